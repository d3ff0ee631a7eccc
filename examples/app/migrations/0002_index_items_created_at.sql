-- Listing newest items first stays an index scan as the table grows.
CREATE INDEX items_created_at ON items (created_at);
