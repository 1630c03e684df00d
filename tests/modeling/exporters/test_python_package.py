"""Exported packages run: their own tests, ruff, mypy --strict and the demo,
in a scratch virtualenv that holds nothing but pytest, ruff and mypy (so the
package needs nothing else), and on PostgreSQL through the event store's
PostgreSQL backend.

The scratch virtualenv is made once (under .pytest_cache) with the versions
this project pins; without the package index it cannot be made, and the
tests skip, except under CI=true.
"""

import importlib
import importlib.util
import os
import random
import re
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from modeling.exporters import asyncapi, python
from modeling.exporters.writer import write_folder

from ...needs import missing
from ..boards import BoardBuilder
from .sources import chinese_source, sample_source, source_of

ROOT = Path(__file__).resolve().parents[3]
TOOLS = ("pytest", "ruff", "mypy")


def pinned(name):
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(rf'"({name}==[^"]+)"', text).group(1)


@pytest.fixture(scope="session")
def scratch():
    """The python of a virtualenv with only the pinned pytest, ruff and mypy."""
    pins = [pinned(name) for name in TOOLS]
    folder = ROOT / ".pytest_cache" / ("export-venv-" + "-".join(pins))
    python_ = folder / "bin" / "python"
    if not (folder / "ready").exists():
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(folder)], check=True
        )
        installed = subprocess.run(
            [str(python_), "-m", "pip", "install", "--quiet", *pins],
            capture_output=True,
            text=True,
        )
        if installed.returncode:
            missing(f"cannot install {pins} in a scratch venv: {installed.stderr}")
        (folder / "ready").write_text("\n".join(pins))
    return python_


def run(command, cwd, timeout=300, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    environment.pop("PYTHONPATH", None)
    environment.update(env)
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
    )


def exported(source, folder, **options):
    files = python.export(source, **options)
    package = next(p.split("/")[0] for p in files if p.endswith("/__main__.py"))
    write_folder(files, folder)
    return package


def check(result):
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize(
    "source", [sample_source, chinese_source], ids=["sample", "zh"]
)
def test_an_exported_package_passes_its_tests_ruff_and_mypy(scratch, tmp_path, source):
    package = exported(source(), tmp_path)
    bin_ = scratch.parent

    tests = check(
        run([scratch, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path)
    )
    assert re.search(r"\d+ passed", tests) and "failed" not in tests
    check(run([bin_ / "ruff", "check", "--no-cache", "."], tmp_path))
    mypy = check(
        run(
            [bin_ / "mypy", "--strict", "--cache-dir", tmp_path / ".mypy", package],
            tmp_path,
        )
    )
    assert "Success: no issues found" in mypy
    store = f"sqlite:///{tmp_path / 'demo.db'}"
    told = check(run([scratch, "-m", package, "demo"], tmp_path, EVENTSTORE_URL=store))
    assert "   policy " in told and "Read models:" in told


def test_the_demo_tells_the_story_across_contexts_and_replays_to_a_point(
    scratch, tmp_path
):
    package = exported(sample_source(), tmp_path)
    store = f"sqlite:///{tmp_path / 'shop.db'}"

    told = check(run([scratch, "-m", package, "demo"], tmp_path, EVENTSTORE_URL=store))

    assert "1. Customer: Add Item To Cart" in told
    assert "#1 ordering.ItemAddedToCart in ordering.Cart-" in told
    assert "relay: #2 ordering.OrderPlaced -> payments (state transfer)" in told
    assert (
        "policy payments.WheneverOrderPlacedThenCapturePayment:"
        " OrderPlaced -> CapturePayment" in told
    )
    assert "policy shipping.WheneverPaymentCapturedThenShipOrder" in told
    assert "shipping.read_model.OrderTracking (1 rows)" in told
    assert "refused" not in told

    replayed = check(
        run(
            [scratch, "-m", package, "replay", "--until", "1"],
            tmp_path,
            EVENTSTORE_URL=store,
        )
    )
    assert "ordering.CartSummary (1 rows)" in replayed
    assert "shipping.OrderTracking (0 rows)" in replayed
    bad = run([scratch, "-m", package, "replay", "--until", "-1"], tmp_path)
    assert bad.returncode == 2 and "--until" in bad.stderr


def test_the_generated_tests_fail_when_a_rule_breaks_the_story(scratch, tmp_path):
    package = exported(sample_source(), tmp_path)
    rules = tmp_path / package / "ordering" / "aggregates.py"
    rules.write_text(
        rules.read_text(encoding="utf-8")
        + textwrap.dedent(
            """

            class Order(generated.Order):
                def decide_place_order(self, state, command):
                    raise self.reject("the shop is closed")
            """
        ),
        encoding="utf-8",
    )

    result = run([scratch, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path)

    assert result.returncode != 0
    assert "test_place_order_records_order_placed" in result.stdout
    assert "the shop is closed" in result.stdout


def test_a_process_that_dies_between_commit_and_relay_loses_nothing(scratch, tmp_path):
    """One process places an order and dies before its relay runs; the next
    process delivers the waiting message, and Payments captures once."""
    package = exported(sample_source(), tmp_path)
    store = f"sqlite:///{tmp_path / 'crash.db'}"
    place = textwrap.dedent(
        f"""
        import os
        from {package}.app import build_app
        from {package}.ordering import commands
        app = build_app()
        app.handle(commands.PlaceOrder.example())
        os._exit(9)  # no relay, no goodbye
        """
    )
    died = run([scratch, "-c", place], tmp_path, EVENTSTORE_URL=store)
    assert died.returncode == 9
    resume = textwrap.dedent(
        f"""
        from {package}.app import build_app
        app = build_app()
        print("waiting", len(app.store.outbox_pending()))
        app.process()
        app.process()
        captured = [
            e for e in app.store.iter_all()
            if e.type == "payments.PaymentCaptured" and e.stream.startswith("payments.")
        ]
        print("captured", len(captured))
        print("delivered", len(app.store.read_stream("inbox.payments")))
        """
    )
    out = check(run([scratch, "-c", resume], tmp_path, EVENTSTORE_URL=store))
    assert "waiting 1" in out
    assert "captured 1" in out
    assert "delivered 1" in out


@pytest.fixture
def postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        missing("needs DATABASE_URL=postgresql://...")
    return url


@pytest.mark.postgres
def test_the_package_runs_on_postgresql(tmp_path, postgres_url):
    """The same demo on the PostgreSQL backend: read models in the store's
    schema, policies and the relay as subscriptions, a rebuild equal to the
    live rows."""
    package = f"shop_{uuid.uuid4().hex[:8]}"
    exported(sample_source(), tmp_path, package=package)
    sys.path.insert(0, str(tmp_path))
    schema = f"export_{uuid.uuid4().hex[:8]}"
    try:
        app_module = importlib.import_module(f"{package}.app")
        demo = importlib.import_module(f"{package}.demo")
        store_module = importlib.import_module(f"{package}.eventstore.postgres")
        store = store_module.PostgresEventStore(
            postgres_url, schema=schema, upcasters=app_module.upcasters()
        )
        app = app_module.build_app(store)
        told = []
        demo.play(app, told.append)
        assert any("policy shipping." in line for line in told)
        for runner in app.read_models.values():
            rows = runner.rows()
            assert runner.as_of(None) == rows
            runner.rebuild()
            assert runner.rows() == rows
        tracking = next(r for r in app.read_models.values() if "Tracking" in r.name)
        assert len(tracking.rows()) == 1
        captured = [
            e
            for e in store.read_all(stream_prefix="payments.")
            if e.type == "payments.PaymentCaptured"
        ]
        assert len(captured) == 1
        with store._connection() as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
        app.close()
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.split(".")[0] == package]:
            del sys.modules[name]


def test_what_the_package_sends_between_contexts_is_what_asyncapi_describes(
    tmp_path,
):
    """The published language in two forms: the messages the relay delivers
    into each inbox have exactly the payload properties of the AsyncAPI
    message (notification and state transfer alike)."""
    styles = set()
    for n, source in enumerate((chinese_source(), sample_source())):
        package = f"pl_{uuid.uuid4().hex[:8]}"
        exported(source, tmp_path / str(n), package=package)
        documents = asyncapi.documents(source)
        sys.path.insert(0, str(tmp_path / str(n)))
        try:
            app_module = importlib.import_module(f"{package}.app")
            demo = importlib.import_module(f"{package}.demo")
            store = importlib.import_module(f"{package}.eventstore").open_store(
                "sqlite://:memory:"
            )
            app = app_module.build_app(store)
            demo.play(app, lambda line: None)
            delivered = [e for e in store.iter_all() if e.stream.startswith("inbox.")]
            assert delivered
            for event in delivered:
                styles.add(event.metadata["style"])
                producer = event.type.split(".")[0]
                document = documents[f"asyncapi/{producer}.yaml"]
                (message,) = [
                    m
                    for m in document["components"]["messages"].values()
                    if f"{producer}.{m['name']}" == event.type
                ]
                assert set(event.data) == set(message["payload"]["properties"])
                assert set(message["payload"].get("required", [])) <= set(event.data)
            app.close()
        finally:
            sys.path.remove(str(tmp_path / str(n)))
            for name in [m for m in sys.modules if m.split(".")[0] == package]:
                del sys.modules[name]
    assert styles == {"notification", "state"}


def bench_board(scale, seed):
    """The benchmark's generated workshop (bench/model.py) at `scale`: six
    contexts, one in Chinese, duplicates, links outside the grammar, loops."""
    path = ROOT / "bench" / "model.py"
    spec = importlib.util.spec_from_file_location("bench_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    counts = {k: max(1, round(v * scale)) for k, v in module.FULL.items()}
    return module.build_board(counts, random.Random(seed)).snapshot("review")


def test_a_large_messy_workshop_exports_a_clean_package(scratch, tmp_path):
    """A tenth of the 2,000-sticky benchmark board: whatever the workshop
    left (loops of policies, look-alike names, commands in no aggregate,
    Chinese), the package passes its tests, ruff and mypy --strict."""
    package = exported(source_of(bench_board(0.1, 3), name="Bench"), tmp_path)
    bin_ = scratch.parent

    tests = check(
        run([scratch, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path)
    )
    assert "failed" not in tests
    check(run([bin_ / "ruff", "check", "--no-cache", "."], tmp_path))
    check(
        run(
            [bin_ / "mypy", "--strict", "--cache-dir", tmp_path / ".mypy", package],
            tmp_path,
        )
    )


def test_a_loop_of_policies_acts_once_per_chain_of_events(tmp_path):
    """Shipped -> (whenever shipped, then reorder) -> Reorder -> Shipped again:
    with decisions that accept everything the loop would never end, so each
    policy acts once in a chain of events unless its class says otherwise."""
    b = BoardBuilder("attribute")
    ship, shipped = b.command("Ship"), b.event("Shipped", 200)
    policy, reorder = (
        b.policy("Whenever shipped, then ship again", 400),
        b.command("Ship Again", 600),
    )
    b.chain(ship, shipped, policy, reorder, shipped)
    b.chain(b.actor("Clerk"), ship)
    package = f"loop_{uuid.uuid4().hex[:8]}"
    exported(source_of(b.snapshot(), name="Loop"), tmp_path, package=package)
    sys.path.insert(0, str(tmp_path))
    try:
        app_module = importlib.import_module(f"{package}.app")
        demo = importlib.import_module(f"{package}.demo")
        store = importlib.import_module(f"{package}.eventstore").open_store(
            "sqlite://:memory:"
        )
        app = app_module.build_app(store)
        told = []
        demo.play(app, told.append)
        shipped_events = [e for e in store.iter_all() if e.type == "core.Shipped"]
        assert len(shipped_events) == 2  # the clerk's, and the policy's once
        assert any("acted in this chain already (a loop): stops" in t for t in told)
        assert shipped_events[1].metadata["chain"] == [
            "core.policy.WheneverShippedThenShipAgain"
        ]
        app.close()
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.split(".")[0] == package]:
            del sys.modules[name]
