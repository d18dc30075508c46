"""SQLAlchemy models. Query rows (tasks, timers, events) are derived data; `Instance.state` is the truth."""

from .base import db, new_id, utcnow
from .batch import Batch, BatchItem
from .decision import DecisionDefinition
from .definition import Definition, Deployment, StoredFile
from .event import Event
from .external_task import ExternalTask
from .form import FormDefinition
from .generation import CacheGeneration
from .governance import IdempotencyKey, ProcessFeedback, ProcessSettings, ProposedFile
from .incident import Incident
from .instance import Instance
from .notification import Delivery, Webhook
from .starter import DefinitionStarter
from .subscription import CorrelationKey, Subscription
from .task import Task, TaskCandidate
from .task_filter import TaskFilter
from .timer import Timer
from .user import User

__all__ = ["db", "new_id", "utcnow", "Definition", "Deployment", "Event", "Incident", "Instance",
           "Task", "TaskCandidate", "DefinitionStarter", "Timer", "User", "Subscription", "CorrelationKey",
           "ExternalTask", "DecisionDefinition", "IdempotencyKey", "ProposedFile", "StoredFile", "ProcessSettings",
           "ProcessFeedback", "Webhook", "Delivery", "TaskFilter", "FormDefinition", "Batch", "BatchItem",
           "CacheGeneration"]
