# tflint for every module under modules/ and the examples, run per directory:
#
#   dir=$(scripts/build-tflint)
#   "$dir/tflint" --config "$PWD/.tflint.hcl" --chdir modules/network
#
# Local module sources ("../../modules/x") are read directly: no `terraform init` needed.

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

# The AWS ruleset is not enabled: it cannot be built here (see scripts/build-tflint). Once
# it can, add `plugin "aws" { enabled = true }` (no source: loaded from TFLINT_PLUGIN_DIR).

# Rules beyond the recommended preset that enforce the module conventions of this repository:
# every variable and output documented and typed, and the main/variables/outputs layout
# (variables only in variables.tf, outputs only in outputs.tf) that the generated README
# tables and consumers reading the modules rely on.
rule "terraform_documented_variables" {
  enabled = true
}

rule "terraform_documented_outputs" {
  enabled = true
}

rule "terraform_standard_module_structure" {
  enabled = true
}

# snake_case names for resources, data sources, variables, outputs, locals and modules, as
# every module already uses; keeps the `this` convention and references predictable.
rule "terraform_naming_convention" {
  enabled = true
}

# A provider listed in required_providers but never used is a stale floor that consumers
# still have to satisfy.
rule "terraform_unused_required_providers" {
  enabled = true
}
