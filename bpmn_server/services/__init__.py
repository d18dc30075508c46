"""Use cases. Each public function is one transaction, shared by the API, the CLI and the scheduler."""
from . import relay  # noqa: F401 - registers the outbox drain with every unit of work (services/uow.py)
