from django import forms
from django.contrib import admin

from guichet.publicspace.models import Category
from guichet.publicspace.questions import QuestionDefinitionError, validate_question_definitions


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = [
            "parent", "code", "subject", "name", "description", "keywords",
            "guidance", "guidance_only", "questions", "order", "is_active",
        ]  # fmt: skip

    def clean_questions(self):
        try:
            return validate_question_definitions(self.cleaned_data["questions"])
        except QuestionDefinitionError as exc:
            raise forms.ValidationError(str(exc)) from exc


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
    list_display = ["name", "parent", "code", "subject", "guidance_only", "is_active", "order"]
    list_filter = ["is_active", "guidance_only", "parent"]
    search_fields = ["name", "code", "subject", "keywords"]
