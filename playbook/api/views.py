"""API of the playbook: talk tracks and outline questions (reference data every signed-in user
reads; admins edit them on their pages) and the answers (records of an account: outside the
caller's book 404, writes through playbook.services)."""

from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from crm.api.request import request_user
from playbook import services
from playbook.api.serializers import (
    IntelligenceAnswerSerializer,
    IntelligenceQuestionSerializer,
    TalkTrackSerializer,
)
from playbook.filters import IntelligenceAnswerFilter, IntelligenceQuestionFilter, TalkTrackFilter
from playbook.selectors import answers_visible_to, questions_list, talk_tracks_list


class TalkTrackViewSet(viewsets.ReadOnlyModelViewSet):
    """Talk tracks (话术) by situation; `industry=` gives those written for one industry."""

    serializer_class = TalkTrackSerializer
    filterset_class = TalkTrackFilter
    ordering_fields = ["position", "id"]

    def get_queryset(self):
        return talk_tracks_list()


class IntelligenceQuestionViewSet(viewsets.ReadOnlyModelViewSet):
    """The intelligence outline (情报调查提纲)."""

    serializer_class = IntelligenceQuestionSerializer
    filterset_class = IntelligenceQuestionFilter
    ordering_fields = ["position", "id"]

    def get_queryset(self):
        return questions_list()


class IntelligenceAnswerViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Answers to the outline, one per account and question. POST sets (creates or replaces)
    one; PUT/PATCH change its text; DELETE clears it."""

    serializer_class = IntelligenceAnswerSerializer
    filterset_class = IntelligenceAnswerFilter
    ordering_fields = ["answered_at", "id"]
    ordering = ["id"]

    def get_queryset(self):
        return answers_visible_to(self.request.user).select_related("question")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        existed = self.get_queryset().filter(account=data["account"], question=data["question"])
        created = not existed.exists()
        answer = services.intelligence_answer_set(
            actor=request_user(request),
            account=data["account"],
            question=data["question"],
            text=data["text"],
        )
        return Response(
            self.get_serializer(answer).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        answer = services.intelligence_answer_set(
            actor=request_user(request),
            account=instance.account,
            question=instance.question,
            text=serializer.validated_data.get("text", instance.text),
        )
        return Response(self.get_serializer(answer).data)

    def destroy(self, request, *args, **kwargs):
        services.intelligence_answer_delete(actor=request_user(request), answer=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
