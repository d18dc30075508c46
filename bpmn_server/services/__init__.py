"""Use cases. Each public function is one transaction, shared by the API, the CLI and the scheduler."""
