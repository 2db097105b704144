"""The public register's pages, calendars and 404 page. Thin: reads are in selectors."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import conditional_page, require_safe

from secmods.consultations.selectors import published_summaries, summaries_from_counts
from secmods.consultations.services import display_deadline
from secmods.core.caching import cache_for_reader
from secmods.documents import filetypes
from secmods.glossary.selectors import terms_used_by

from . import calendars, selectors
from .glossary_markup import Acronyms
from .timeline import build_timeline

COLUMNS = [
    ("reference", "Reference"),
    ("title", "Title"),
    ("proposer", "Proposer"),
    ("lead_analyst", "Lead Analyst"),
    ("stage", "Stage"),
    ("path", "Path"),
    ("next_key_date", "Next key date"),
    ("target_release", "Target release"),
    ("latest_update", "Latest update"),
    ("updated", "Last updated"),
]

# How the library names a file's format to a reader (the content type was found from the
# file's content at upload).
FILE_FORMATS = {
    filetypes.PDF: "PDF",
    filetypes.DOCX: "Word",
    filetypes.XLSX: "Excel",
    filetypes.TEXT: "Text",
}


def not_found(request: HttpRequest, message: str, search: str = "") -> HttpResponse:
    """A 404 that helps: says what was not found and offers the register's search box."""
    return render(
        request,
        "register/not_found.html",
        {"message": message, "search": search},
        status=404,
    )


@require_safe
def modification_list(request: HttpRequest) -> HttpResponse:
    options = selectors.filter_options()
    query, notices = selectors.read_register_query(request.GET, options)
    if query.search and not notices:
        # "mp 160" names one modification: go straight to it.
        match = selectors.reference_match(request.user, query.search)
        if match is not None:
            return redirect("register:modification", reference=match.reference)
    page = selectors.register_listing(request.user, query, request.GET.get("page"))
    page_param = selectors.clean_text(request.GET.get("page"), 20)
    if page_param and page_param != str(page.number):
        notices.append(f"There is no page “{page_param}”; showing page {page.number}.")
    sort_key = query.sort.removeprefix("-")
    descending = query.sort.startswith("-")
    columns = []
    for key, label in COLUMNS:
        current = key == sort_key
        # Clicking the sorted column flips it; another column sorts ascending.
        next_sort = (key if descending else f"-{key}") if current else key
        columns.append(
            {
                "key": key,
                "label": label,
                "current": current,
                "aria_sort": ("descending" if descending else "ascending") if current else "",
                "next_sort": next_sort,
            }
        )
    filtered = any(
        [query.stage, query.path, query.committee, query.party_category, query.sec_section]
    )
    return render(
        request,
        "register/modification_list.html",
        {
            "options": options,
            "query": query,
            "notices": notices,
            "page": page,
            # First, last and two either side of the current page: a loop over every page
            # number would make the page cost grow with the size of the register.
            "page_links": page.paginator.get_elided_page_range(
                page.number, on_each_side=2, on_ends=1
            ),
            "columns": columns,
            "sort_choices": [
                (f"{prefix}{key}", f"{label}, {direction}")
                for key, label in COLUMNS
                for prefix, direction in (("", "ascending"), ("-", "descending"))
            ],
            "filtered": filtered or bool(query.search),
            "nav": "modifications",
        },
    )


@require_safe
def modification_detail(request: HttpRequest, reference: str) -> HttpResponse:
    found = selectors.modification_page_read(request.user, reference)
    if found is None:
        return not_found(
            request,
            f"There is no published modification “{selectors.clean_text(reference, 40)}”.",
            search=selectors.clean_text(reference, 40),
        )
    modification, read = found
    today = timezone.localdate()
    now = timezone.now()
    milestones = list(modification.milestones.all())
    consultations = list(modification.consultations.all())
    if read is None:  # not read with the page (SQLite): each read on its own
        terms = terms_used_by(modification)
        summaries = published_summaries(consultations)
    else:
        terms = terms_used_by(modification, read.terms)
        summaries = summaries_from_counts(consultations, read.answer_counts, read.categories)
    consultation_rows = [
        {
            "consultation": consultation,
            "responses": consultation.published_responses,  # type: ignore[attr-defined]
            "summaries": summaries[consultation.pk],
            "is_open": consultation.is_open_at(now),
            "not_yet_open": now < consultation.opens_at,
            "deadline": display_deadline(consultation.closes_at),
        }
        for consultation in consultations
    ]
    documents = [
        {"document": document, "format": FILE_FORMATS.get(document.content_type, "File")}
        for document in modification.library  # type: ignore[attr-defined]
    ]
    return render(
        request,
        "register/modification_detail.html",
        {
            "modification": modification,
            "milestones": milestones,
            "timeline": build_timeline(milestones, today),
            "terms": terms,
            # Prepared once for the fifty-odd texts the page marks.
            "acronyms": Acronyms(terms),
            "sections": list(modification.sections.all()),
            "agenda_items": list(modification.agenda_items.all()),
            "stage_changes": list(modification.stage_changes.all()),
            "consultations": consultation_rows,
            "documents": documents,
            "today": today,
            "now": now,
            "nav": "modifications",
        },
    )


@require_safe
def meeting_list(request: HttpRequest) -> HttpResponse:
    committees = list(selectors.committees())
    committee = None
    notices = []
    slug = selectors.clean_text(request.GET.get("committee"), 60)
    if slug:
        committee = next((c for c in committees if c.slug == slug), None)
        if committee is None:
            notices.append(f"There is no committee “{slug[:40]}”, so that filter was ignored.")
    now = timezone.now()
    # PastMeetings gives Paginator what it reads (a count, then one slice of numbers).
    past: Page[int] = Paginator(
        selectors.past_meetings(request.user, committee=committee, now=now),  # type: ignore[arg-type]
        selectors.PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    upcoming, past.object_list = selectors.meeting_list_rows(  # type: ignore[assignment]
        request.user, list(past.object_list), committee=committee, now=now
    )
    return render(
        request,
        "register/meeting_list.html",
        {
            "committees": committees,
            "committee": committee,
            "notices": notices,
            "upcoming": upcoming,
            "past": past,
            "nav": "meetings",
        },
    )


@require_safe
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.meeting_page(request.user, meeting_id)
    if meeting is None:
        return not_found(request, "There is no meeting with that number.")
    return render(request, "register/meeting_detail.html", {"meeting": meeting, "nav": "meetings"})


@require_safe
def glossary(request: HttpRequest) -> HttpResponse:
    search = selectors.clean_text(request.GET.get("q"), 100)
    return render(
        request,
        "register/glossary.html",
        {"terms": list(selectors.glossary_terms(search)), "search": search, "nav": "glossary"},
    )


def _ics(request: HttpRequest, body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Calendar apps poll; let them (and, for the public's calendar, any cache in between)
    # reuse an answer for a while. A member's calendar holds unpublished modifications: private.
    # After that, @conditional_page (ConditionalGetMiddleware for these views only) gives
    # the file an ETag from its content and answers a poll with the same If-None-Match by
    # 304 Not Modified: the file is the same bytes until a meeting or milestone changes
    # (DTSTAMP is each row's last change, not the time of the request).
    cache_for_reader(request, response, max_age=300)
    return response


@require_safe
@conditional_page
def meetings_ics(request: HttpRequest) -> HttpResponse:
    meetings = selectors.calendar_meetings(request.user)
    return _ics(request, calendars.meetings_calendar("SEC meetings", meetings), "sec-meetings.ics")


@require_safe
@conditional_page
def committee_ics(request: HttpRequest, slug: str) -> HttpResponse:
    committee = selectors.get_committee(slug)
    if committee is None:
        return not_found(request, f"There is no committee “{selectors.clean_text(slug, 40)}”.")
    meetings = selectors.calendar_meetings(request.user, committee=committee)
    body = calendars.meetings_calendar(f"{committee.name} meetings", meetings)
    return _ics(request, body, f"{committee.slug}-meetings.ics")


@require_safe
@conditional_page
def modification_ics(request: HttpRequest, reference: str) -> HttpResponse:
    calendar = selectors.modification_calendar(request.user, reference)
    if calendar is None:
        return not_found(
            request,
            f"There is no published modification “{selectors.clean_text(reference, 40)}”.",
            search=selectors.clean_text(reference, 40),
        )
    body = calendars.modification_calendar(calendar)
    return _ics(request, body, f"{calendar.reference.lower()}.ics")


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the HTML report, which must
    stay one self-contained file; downloads): nothing to show, and no 404 in the logs."""
    response = HttpResponse(status=204)
    response["Cache-Control"] = "public, max-age=604800"
    return response


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    """The site's 404 handler (DEBUG=False): the same helpful page everywhere."""
    return not_found(request, "There is no page at this address.")
