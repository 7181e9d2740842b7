"""`/api/v1/tasks/`: commitments through the visibility rule (one outside the caller's sight
answers 404); writes go through commitments.services."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from commitments import services
from commitments.api.serializers import TaskSerializer
from commitments.filters import CommitmentFilter
from commitments.selectors import commitments_listed_for
from crm.api.request import request_user


class TaskViewSet(viewsets.ModelViewSet):
    """Commitments (tasks): what a rep promised a customer, by when. Filters: `due` (a date,
    `today` or `week`), `due_from`, `due_to`, `overdue`, `owner`, `account`, `status`."""

    serializer_class = TaskSerializer
    filterset_class = CommitmentFilter
    ordering_fields = ["due_date", "id"]
    ordering = ["due_date", "id"]

    def get_queryset(self):
        return commitments_listed_for(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reminder = data.pop("source_reminder", None)
        task = services.commitment_create(
            actor=request_user(request), data=data, source_reminder=reminder
        )
        return Response(self.get_serializer(task).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        task = services.commitment_update(
            actor=request_user(request), commitment=instance, data=dict(serializer.validated_data)
        )
        return Response(self.get_serializer(task).data)

    def destroy(self, request, *args, **kwargs):
        services.commitment_delete(actor=request_user(request), commitment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        task = services.commitment_mark_done(
            actor=request_user(request), commitment=self.get_object()
        )
        return Response(self.get_serializer(task).data)

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        task = services.commitment_reopen(actor=request_user(request), commitment=self.get_object())
        return Response(self.get_serializer(task).data)
