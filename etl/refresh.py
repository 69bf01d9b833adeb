"""The one orchestrator: fetch -> raw -> tidy -> validate -> publish.

Every run is a row in the store's runs table. Any source error or failed gate
ends the run as failed and publishes nothing; the published dataset stays as
it was, byte for byte.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from etl import settings
from etl.catalog import Catalog, Indicator, SourceRef
from etl.checks import GateReport, run_gates
from etl.errors import InvalidValueError, SourceError
from etl.outcome import EXIT_VALIDATION, RunOutcome
from etl.regions import Regions
from etl.runlog import record_unlogged
from etl.schema import OBSERVATION_KEY, ContractError, empty_observations, normalise_observations
from etl.sources.base import Adapter, FetchContext, SourceResult
from etl.store import PublishedState, Store, StoreError, describe_error
from etl.transform import combine, county_sum, derive_all, mark_before_existence, measured_by_indicator

Include = Callable[[Indicator, SourceRef], bool]


@dataclass
class RefreshOutcome(RunOutcome):
    """published | unchanged | failed | locked, with what the refresh found."""

    OK: ClassVar[tuple[str, ...]] = ("published", "unchanged")

    state: PublishedState | None = None
    gates: GateReport | None = None
    per_indicator: dict[str, dict[str, Any]] = field(default_factory=dict)
    invalid_value: bool = False  # a source answered a value that is not a number (InvalidValueError)

    @property
    def exit_code(self) -> int:
        failed_checks = self.invalid_value or (self.gates is not None and not self.gates.ok)
        if self.status not in (*self.OK, "locked") and failed_checks:
            return EXIT_VALIDATION
        return super().exit_code


def build_indicator(
    indicator: Indicator,
    adapters: dict[str, Adapter],
    ctx: FetchContext,
    include: Include | None,
    since_by_ref: dict[str, str],
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, str]]:
    """All source layers of one stored indicator, combined by precedence."""
    layers: list[pd.DataFrame] = []
    report: dict[str, Any] = {"sources": {}, "status": "fetched"}
    updated: dict[str, str] = {}
    for ref in indicator.sources:
        if include is not None and not include(indicator, ref):
            continue
        key = ref.describe()
        if ref.kind == "county_sum":
            layers.append(county_sum(combine(layers), indicator, ctx.regions, of=tuple(ref.params.get("of") or ())))
            report["sources"][key] = {"rows": len(layers[-1])}
            continue
        adapter = adapters.get(ref.kind)
        if adapter is None:
            continue
        sub = FetchContext(ctx.regions, ctx.years, since_by_ref.get(key), ctx.progress)
        result: SourceResult = adapter(ref, indicator, sub)
        if result.updated:
            updated[key] = result.updated
        report["sources"][key] = {"rows": len(result.frame), "unchanged": result.unchanged, "updated": result.updated}
        # a municipality's cells from before it existed are missing before anything is combined or summed
        layers.append(mark_before_existence(result.frame, ctx.regions, {indicator.id: indicator.measured}))
    return combine(layers), report, updated


def refresh(
    store: Store,
    catalog: Catalog,
    regions: Regions,
    adapters: dict[str, Adapter],
    *,
    trigger: str = "manual",
    include: Include | None = None,
    indicators: list[str] | None = None,
    full: bool = True,
    allow_shrink: bool = False,
    accept_jumps: bool = False,
    origin: str = "refresh",
    progress: Callable[[str], None] = lambda _m: None,
    fail_after_rows: bool = False,
    structures: dict[str, Callable[[FetchContext], pd.DataFrame]] | None = None,
) -> RefreshOutcome:
    """Run one refresh under the store's lock; see RefreshOutcome for the result.

    `structures` optionally fetches the tables beside the observations ("ages": age
    structure, "flows": origin-destination commuting); each is published in the same
    transaction, and what is not fetched is carried over from the published dataset.

    `accept_jumps` publishes values whose change against the published value is beyond their
    unit's hard plausibility bound (`jump_fail`; then only a warning). When the store refuses to
    start or log the run (read-only, not answering), the failure goes to etl.runlog's journal.
    """
    try:
        return _refresh(
            store, catalog, regions, adapters, trigger=trigger, include=include, indicators=indicators, full=full,
            allow_shrink=allow_shrink, accept_jumps=accept_jumps, origin=origin, progress=progress,
            fail_after_rows=fail_after_rows, structures=structures,
        )  # fmt: skip
    except (StoreError, SQLAlchemyError) as exc:  # the store refused to start or log the run
        reason = str(exc) if isinstance(exc, StoreError) else describe_error(exc)
        error = f"refresh failed, nothing published: {reason}"
        record_unlogged(trigger, error)
        return RefreshOutcome("failed", None, error=error)


def _refresh(
    store: Store,
    catalog: Catalog,
    regions: Regions,
    adapters: dict[str, Adapter],
    *,
    trigger: str,
    include: Include | None,
    indicators: list[str] | None,
    full: bool,
    allow_shrink: bool,
    accept_jumps: bool,
    origin: str,
    progress: Callable[[str], None],
    fail_after_rows: bool,
    structures: dict[str, Callable[[FetchContext], pd.DataFrame]] | None,
) -> RefreshOutcome:
    store.create_schema()
    with store.refresh_lock() as held:
        if not held:
            progress("another refresh holds the lock; exiting without doing anything")
            locked_id = store.start_run(trigger)
            store.finish_run(locked_id, "locked", error="another refresh held the lock; nothing was done")
            return RefreshOutcome("locked", locked_id)
        for stale in store.mark_interrupted():
            progress(f"run {stale} was interrupted (its process ended mid-run); marked 'interrupted'")
        run_id = store.start_run(trigger)
        outcome = RefreshOutcome("failed", run_id)
        try:
            _, published = store.read_observations()
            known_updated = {} if full else store.source_updated()
            chosen = [catalog.get(i) for i in indicators] if indicators else catalog.stored()
            if any(i.derived for i in chosen):
                raise ValueError(f"derived indicators are computed, not fetched: {[i.id for i in chosen if i.derived]}")
            ctx = FetchContext(regions=regions, progress=progress)
            layers = []
            updated_all: dict[str, dict[str, str]] = {}
            unchanged_all = True
            for ind in chosen:
                progress(f"{ind.id}: fetching")
                since = {} if full else _since(known_updated.get(ind.id, {}))
                try:
                    frame, report, updated = build_indicator(ind, adapters, ctx, include, since)
                except Exception as exc:
                    outcome.per_indicator[ind.id] = {"status": "failed", "error": str(exc)}
                    raise
                unchanged = bool(report["sources"]) and all(
                    s.get("unchanged") for s in report["sources"].values() if "unchanged" in s
                )
                if unchanged and not full:
                    frame = published[published["indicator_id"] == ind.id]
                    report["status"] = "unchanged"
                else:
                    unchanged_all = False
                outcome.per_indicator[ind.id] = report
                updated_all[ind.id] = updated or known_updated.get(ind.id, {})
                layers.append(frame)
            untouched = published[
                ~published["indicator_id"].isin([i.id for i in chosen] + [i.id for i in catalog.derived()])
            ]
            candidate = (
                pd.concat([untouched, *[f for f in layers if len(f)]], ignore_index=True) if layers else untouched
            )
            candidate = normalise_observations(candidate) if len(candidate) else empty_observations()
            candidate = mark_before_existence(candidate, regions, measured_by_indicator(catalog))
            candidate = derive_all(candidate, catalog)
            _count_changes(outcome.per_indicator, published, candidate)
            gates = run_gates(
                candidate,
                published if len(published) else None,
                catalog,
                regions,
                settings.get_float("NYCKELTAL_MAX_JUMP"),
                allow_shrink,
                accept_jumps,
            )
            outcome.gates = gates
            for w in gates.warnings[:20]:
                progress(f"warning: {w}")
            if not gates.ok:
                raise ContractError("validation failed, nothing published: " + "\n  ".join(gates.failures[:30]))
            if unchanged_all and not full and len(published):
                outcome.status = "unchanged"
                store.finish_run(run_id, "unchanged", {"indicators": outcome.per_indicator}, gates.summary())
                return outcome
            extra: dict[str, pd.DataFrame] = {}
            for name, fetch in (structures or {}).items():
                progress(f"{name}: fetching")
                try:
                    extra[name] = fetch(ctx)
                except Exception as exc:
                    outcome.per_indicator[f"({name})"] = {"status": "failed", "error": str(exc)}
                    raise
                outcome.per_indicator[f"({name})"] = {"status": "fetched", "rows": len(extra[name])}
            state = store.publish(
                candidate,
                catalog,
                regions,
                origin=origin,
                source_updated=updated_all,
                fail_after_rows=fail_after_rows,
                flows=extra.get("flows"),
                ages=extra.get("ages"),
                run_id=run_id,
            )
            outcome.status, outcome.state = "published", state
            store.finish_run(
                run_id,
                "published",
                {"indicators": outcome.per_indicator, "warnings": gates.warnings[:200]},
                gates.summary(),
                version=state.version,
            )
            return outcome
        except (SourceError, ContractError, StoreError, ValueError, KeyError, OSError) as exc:
            outcome.error = str(exc)
            outcome.invalid_value = isinstance(exc, InvalidValueError)
            store.finish_run(
                run_id,
                "failed",
                {"indicators": outcome.per_indicator},
                outcome.gates.summary() if outcome.gates else None,
                error=str(exc),
            )
            return outcome
        except Exception as exc:
            outcome.error = f"unexpected error: {exc!r}"
            store.finish_run(
                run_id,
                "failed",
                {"indicators": outcome.per_indicator},
                None,
                error=outcome.error + "\n" + traceback.format_exc()[-2000:],
            )
            return outcome


def online_structures(
    adapters: dict[str, Adapter], regions: Regions, store: Store, *, full: bool, whole: bool
) -> dict[str, Callable[[FetchContext], pd.DataFrame]]:
    """The tables beside the observations a full refresh of everything fetches from SCB: the age
    structure (TAB638 single ages -> 5-year bands) for the county's municipalities, the county and
    Riket, and the commuting flows between every pair of the county's municipalities (the pair
    tables found by etl.sources.scb_flows.SCB_FLOW_TABLES), with the published figures kept where SCB has
    nothing. Any other refresh carries the published ones over (an empty dict).

    A failing search or answer fails the whole refresh, as a failing indicator does: nothing is
    published and the previous observations, flows and ages stay as they were.
    """
    from etl.sources.scb_ages import fetch_scb_ages
    from etl.sources.scb_flows import refresh_flows

    if not (full and whole and "scb" in adapters):
        return {}
    scb = adapters["scb"]
    county = regions.municipalities(county="01")
    return {
        "ages": lambda _ctx: fetch_scb_ages(scb, [*county, "01", "00"]),
        "flows": lambda _ctx: refresh_flows(scb, county, store.read_flows()),
    }


def _since(updated: dict[str, str]) -> dict[str, str]:
    return dict(updated)


def _count_changes(per_indicator: dict[str, dict[str, Any]], before: pd.DataFrame, after: pd.DataFrame) -> None:
    """Rows added / changed / removed per indicator, for the run log."""
    key = list(OBSERVATION_KEY)
    merged = before.loc[:, [*key, "value"]].merge(
        after.loc[:, [*key, "value"]], on=key, how="outer", suffixes=("_old", "_new"), indicator=True
    )
    for ind_id, rows in merged.groupby("indicator_id"):
        entry = per_indicator.setdefault(str(ind_id), {"status": "derived"})
        both = rows[rows["_merge"] == "both"]
        changed = ~((both["value_old"] == both["value_new"]) | (both["value_old"].isna() & both["value_new"].isna()))
        entry["rows_added"] = int((rows["_merge"] == "right_only").sum())
        entry["rows_removed"] = int((rows["_merge"] == "left_only").sum())
        entry["rows_changed"] = int(changed.sum())
