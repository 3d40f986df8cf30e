"""The help centre: public pages (themes, search, articles, "was this helpful?") and the
editors' pages (articles, versions, preview, publication, searches without result)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guichet.catalogue.models import ServiceDefinition
from guichet.core.policies import PolicyDenied
from guichet.support import selectors, services
from guichet.support.forms import ArticleForm, FeedbackForm
from guichet.support.models import Theme
from guichet.support.policies import editor_organisation_ids
from guichet.territory.models import Organisation


def help_index(request):
    return render(
        request,
        "support/help_index.html",
        {"themes": selectors.articles_by_theme(), "query": ""},
    )


def help_search(request):
    query = (request.GET.get("q") or "").strip()[:200]
    results = selectors.articles_search(query) if query else []
    if query:
        services.search_term_record(query=query, found=len(results))
    return render(request, "support/help_search.html", {"query": query, "results": results})


def help_theme(request, theme: str):
    articles = selectors.articles_of_theme(theme)
    return render(
        request,
        "support/help_theme.html",
        {"theme_label": Theme(theme).label, "articles": articles},
    )


def help_article(request, slug: str):
    article = selectors.article_get_published(slug)
    return render(
        request,
        "support/help_article.html",
        {"article": article, "form": FeedbackForm(), "preview": False},
    )


@require_POST
def help_feedback(request, slug: str):
    article = selectors.article_get_published(slug)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        services.article_feedback_add(
            article=article,
            helpful=form.cleaned_data["helpful"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, _("Merci pour votre avis."))
        return redirect("support:article", slug=article.slug)
    return render(
        request,
        "support/help_article.html",
        {"article": article, "form": form, "preview": False},
        status=422,
    )


# --- editors ------------------------------------------------------------------------------------


def _editor(request) -> set[int]:
    if not request.user.is_authenticated:
        raise Http404
    org_ids = editor_organisation_ids(request.user)
    if not org_ids:
        raise Http404
    return org_ids


def _article_form(request, org_ids, data=None, initial=None):
    return ArticleForm(
        data,
        initial=initial,
        services_queryset=ServiceDefinition.objects.filter(is_active=True).order_by("name"),
    )


@login_required
def editor_articles(request):
    _editor(request)
    return render(
        request,
        "support/backoffice/articles.html",
        {
            "articles": selectors.articles_for_editor(request.user).order_by("title"),
            "terms": selectors.search_terms_without_result(),
        },
    )


@login_required
def editor_article_create(request):
    org_ids = _editor(request)
    organisations = Organisation.objects.filter(pk__in=org_ids).order_by("name")
    form = _article_form(request, org_ids, request.POST or None)
    organisation = organisations.filter(pk=request.POST.get("organisation") or 0).first()
    organisation = organisation or organisations.first()
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(
                actor=request.user,
                organisation=organisation,
                theme=form.cleaned_data["theme"],
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                body=form.cleaned_data["body"],
                services=form.cleaned_data["services"],
            )
        except services.SupportInputError as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Brouillon enregistré : relisez-le avant de publier."))
            return redirect("support_bo:article_version", slug=article.slug, number=1)
    return render(
        request,
        "support/backoffice/article_form.html",
        {"form": form, "organisations": organisations, "article": None},
    )


@login_required
def editor_article_edit(request, slug: str):
    _editor(request)
    article = selectors.article_get_for(actor=request.user, slug=slug)
    latest = article.versions.order_by("-number").first()
    initial = {
        "title": latest.title if latest else article.title,
        "summary": latest.summary if latest else article.summary,
        "body": latest.body if latest else article.body,
        "theme": article.theme,
        "services": list(article.services.values_list("pk", flat=True)),
    }
    form = _article_form(request, None, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.article_version_add(
                actor=request.user,
                article=article,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                body=form.cleaned_data["body"],
                theme=form.cleaned_data["theme"],
            )
            article.services.set(form.cleaned_data["services"])
        except PolicyDenied:
            raise Http404 from None
        except services.SupportInputError as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(
                request, _("Nouvelle version enregistrée : relisez-la avant de publier.")
            )
            return redirect("support_bo:article_version", slug=article.slug, number=version.number)
    return render(
        request,
        "support/backoffice/article_form.html",
        {"form": form, "article": article, "versions": article.versions.all()},
    )


@login_required
def editor_version_preview(request, slug: str, number: int):
    _editor(request)
    article = selectors.article_get_for(actor=request.user, slug=slug)
    version = selectors.version_get_for(actor=request.user, article=article, number=number)
    return render(
        request,
        "support/help_article.html",
        {"article": version, "real_article": article, "version": version, "preview": True},
    )


@login_required
@require_POST
def editor_version_publish(request, slug: str, number: int):
    _editor(request)
    article = selectors.article_get_for(actor=request.user, slug=slug)
    version = selectors.version_get_for(actor=request.user, article=article, number=number)
    try:
        services.article_publish(actor=request.user, version=version)
    except PolicyDenied:
        raise Http404 from None
    messages.success(request, _("Article publié."))
    return redirect("support:article", slug=article.slug)
