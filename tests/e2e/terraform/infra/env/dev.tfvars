environment = "dev"
replicas    = 1
