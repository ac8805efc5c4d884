"""``motis search``: the hits, or one line saying why there are none.

Exit status: 0 when the search ran, whether it found photos or not (filters that let no photo through, nothing
that stands out: said on stdout; ``--json``: ``[]``); 1 when there is nothing to search (no model, no photo
indexed for the model, a query whose terms cancel out: one ``motis: error:`` line saying what to do), as for
every problem the user can fix (``motis search --help`` says so: ``cli.command_table.SEARCH_EXIT_STATUS``).
"""

from __future__ import annotations

import argparse
import shlex
import sys

from motis_desktop.cli.model_loading import load_model
from motis_desktop.cli.output import one_line, print_json
from motis_desktop.core.errors import MotisError
from motis_desktop.core.formatting import count
from motis_desktop.core.search.copy_words import also_in
from motis_desktop.core.services import QueryResult, SearchHit, Services, format_date


def search_command(services: Services, args: argparse.Namespace) -> int:
    if args.k is not None and args.all:
        raise MotisError("give -k N or --all, not both")
    load_model(services, args.model)
    result = services.query(
        args.text,
        limit=args.k,
        cutoff=args.k is None and not args.all,
        model=args.model,
        image=args.image,
        strategy=args.index,
    )
    used, limit = services.query_overflow(args.text, args.model)
    if used > limit:
        print(
            f"motis: warning: the query takes {used} tokens but the model reads only {limit}; "
            f"the last {used - limit} were ignored",
            file=sys.stderr,
        )
    if result.cancelled:
        raise MotisError("the query's terms cancel out: nothing to search for (remove a '-' term)")
    if not result.hits and not result.candidates and not result.filtered_out:
        _nothing_indexed(services, args.model)
    if result.offline and len(result.offline) == len(services.folders()) and not result.hits:
        raise MotisError(f"no photos to search: {offline_words(result.offline)}")
    if args.json:
        # a list of filters alone has no score, as the plain "-" says (QA walk 7: it printed 0.0)
        unscored = not result.scored and not result.subtracts_only
        print_json([{**h.to_json(), "score": None} if unscored else h.to_json() for h in result.hits])
        return 0
    if result.offline:  # some folders are: say so beside what the others gave
        print(f"motis: note: photos left out: {offline_words(result.offline)}", file=sys.stderr)
    for shut in result.locked:  # a subfolder that cannot be opened (permission denied): said as an offline one
        print(f"motis: note: {one_line(shut.words())}", file=sys.stderr)
    if result.model_note:  # the demo model: the words it ignored, it knows colour words only (core/models/demo.py)
        print(f"motis: note: {result.model_note}", file=sys.stderr)
    if not result.hits:
        print(_none_found(result, services.text_reading()))
        for suggestion in result.suggestions:  # QA walk 6: a typo found nothing, and nothing was suggested
            print(f"{suggestion.sentence()} (motis search {shlex.quote(suggestion.query)})")
        return 0
    by_words = result.found_by_words()
    roots = [folder.path for folder in services.folders()] if any(h.also_at for h in result.hits) else []
    for hit in result.hits:
        print(_hit_line(hit, shows_score=result.scored and hit.file_id not in by_words))
        # the same bytes elsewhere (a copied folder): one photo, its copies' folders below it in the window's
        # words (QA walk 8: full paths said little); a few named, the rest counted (core/search/copies.py)
        if hit.also_at or hit.also_more:
            print(f"    {one_line(also_in(hit.also_at, hit.also_more_words, hit.path, roots))}")
    scores = [_shown(hit.score) for hit in result.hits if result.scored and hit.file_id not in by_words]
    # words found in a photo's text or name lifted it above others (sort:date orders by date: nothing to say)
    if not result.by_date and scores != sorted(scores, reverse=True):
        print(
            "(the score is how close each photo's look is to the query; a photo whose text or name holds its "
            "words ranks higher, as [...] says)",
            file=sys.stderr,
        )
    if result.cutoff is not None and result.more:
        print(_cut_off_note(result), file=sys.stderr)
    return 0


def _hit_line(hit: SearchHit, shows_score: bool) -> str:
    """One hit in the one plain layout every query gets (QA walk 6: the columns changed with the query's kind):
    SCORE (``-`` where none is worth showing: a list of filters alone, subtracted terms only, a photo its words
    found, whose cosine is noise), DATE (``-`` unknown), PATH, then ``[kind: words found]``; two spaces apart."""
    score = f"{_shown(hit.score):7.4f}" if shows_score else f"{'-':>7}"
    date = format_date(hit.taken_at)[:10] if hit.taken_at is not None else "-"
    said = "; ".join(f"{m.kind}: {m.text}" for m in hit.matches)
    return f"{score}  {date:10}  {one_line(hit.path)}" + (f"  [{one_line(said)}]" if said else "")


def _cut_off_note(result: QueryResult) -> str:
    """The footer when the cut-off left photos out. A query of subtracted terms only ("-red") shows the photos
    unlike them: none "stands out" (QA saw "406 stand out" for "-1:red")."""
    if result.subtracts_only:
        return (
            f"({count(len(result.hits), 'photo')} unlike what the query subtracts; {result.more} more like it "
            "below the cut-off: -k N or --all)"
        )
    verb = "stands" if len(result.hits) == 1 else "stand"
    return f"({len(result.hits)} {verb} out; {result.more} more below the cut-off: -k N or --all)"


def _shown(score: float) -> float:
    """The score as printed: four decimals, and no "-0.0000" (a cosine just below zero)."""
    return round(score, 4) + 0.0


def _none_found(result: QueryResult, reading: bool) -> str:
    if result.filtered_out:
        how = "'motis index' reads it" if reading else "reading it is off: 'motis config text on', then 'motis index'"
        unread = f" (the text of {count(result.text_unread, 'photo')} is not read yet; {how})"
        hint = f" ({result.folder_hint or result.date_span_words()})" if result.folder_hint or result.date_span else ""
        return f"no photo passes the filters: {' '.join(result.filtered_out)}{hint}" + (
            unread if result.text_unread else ""
        )
    return f"no good matches among {count(result.candidates, 'photo')} (-k N or --all shows the closest anyway)"


def offline_words(folders: tuple[str, ...]) -> str:
    """The library folders out of reach, and what becomes of their photos, in a clause."""
    which = f"the folder {folders[0]} is" if len(folders) == 1 else f"{len(folders)} folders are"
    listed = "" if len(folders) == 1 else f" ({', '.join(folders)})"
    whose, back = ("its", "it is") if len(folders) == 1 else ("their", "they are")
    return f"{which} offline{listed} (unplugged or moved?): {whose} photos are kept and searched again once {back} back"


def _nothing_indexed(services: Services, model: str | None) -> None:
    """Raise the error that says why the library has no photo to search for ``model``, and what to do, if so."""
    info = services.model_info(model)
    counts = services.counts(info.model_id)
    if counts["indexed"]:
        return  # photos are indexed: the query itself left none (e.g. --image, the only photo, excludes itself)
    run = "motis index" + (f" --model {info.name}" if model else "")
    if not services.folders():
        raise MotisError("no photos to search: the library has no folders yet: add one with 'motis index FOLDER'")
    if not counts["files"]:
        raise MotisError(f"no photos to search: none found in the library's folders yet: run '{run}'")
    if counts["errors"] == counts["files"]:
        raise MotisError(
            f"no photos to search: none of the library's {counts['files']} files could be read as a photo; "
            "add a folder of photos with 'motis index FOLDER'"
        )
    raise MotisError(
        f"no photos to search: none of the library's {counts['files']} photos is indexed yet for model "
        f"'{info.name}': run '{run}'"
    )
