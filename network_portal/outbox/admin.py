from django.contrib import admin

from .models import OutboxTask


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    list_display = ("task_name", "created_at", "attempts", "last_tried_at", "sent_at")
    list_filter = ("task_name", ("sent_at", admin.EmptyFieldListFilter))
    readonly_fields = [f.name for f in OutboxTask._meta.fields]

    def has_add_permission(self, request):
        return False
