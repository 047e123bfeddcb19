"""A benchmark that fails because a process it started died or stopped answering says why: the last lines of
that process's output are printed to stderr as the benchmark fails, and nothing extra when it succeeds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.common import Processes, ProcessExited


def python(code: str) -> list[str]:
    return [sys.executable, "-u", "-c", code]


DIES = python("import sys; print('scheduler starting'); sys.exit('cannot open the database: no such table')")
HANGS = python("import time; print('listening on 127.0.0.1:8050'); time.sleep(60)")


def test_a_process_that_exits_while_the_benchmark_waits_has_its_error_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ProcessExited, match="scheduler exited with code 1"), Processes(tmp_path) as processes:
        processes.start("scheduler", DIES)
        processes.wait_for(lambda: False, 20, "the scheduler taking the lead")
    err = capsys.readouterr().err
    assert "--- scheduler (exited by itself with code 1)" in err
    assert "scheduler starting" in err
    assert "cannot open the database: no such table" in err


def test_a_wait_that_times_out_prints_the_output_of_the_process_still_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(TimeoutError, match="gunicorn answering /healthz"), Processes(tmp_path) as processes:
        server = processes.start("gunicorn", HANGS)
        processes.wait_for(lambda: False, 1, "gunicorn answering /healthz")
    assert server.poll() is not None  # stopped as the benchmark ended
    err = capsys.readouterr().err
    assert "--- gunicorn (running until the benchmark stopped it)" in err
    assert "listening on 127.0.0.1:8050" in err


def test_only_the_last_lines_of_a_long_log_are_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    chatty = python("import sys; [print(f'line {n}') for n in range(1, 101)]; sys.exit('gave up')")
    with pytest.raises(ProcessExited), Processes(tmp_path) as processes:
        processes.start("scheduler", chatty)
        processes.wait_for(lambda: False, 20, "the scheduler taking the lead")
    err = capsys.readouterr().err
    assert "last 40 lines" in err
    assert "line 62\n" in err and "gave up" in err
    assert "line 61\n" not in err


def test_any_error_in_the_benchmark_prints_the_logs_before_it_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(AssertionError, match="HTTP 500"), Processes(tmp_path) as processes:
        processes.start("scheduler", HANGS)
        processes.wait_for(lambda: (tmp_path / "scheduler.log").read_text() or None, 20, "the first line")
        raise AssertionError("record obs: HTTP 500")
    assert "listening on 127.0.0.1:8050" in capsys.readouterr().err


def test_a_missed_page_noted_as_a_failure_prints_the_logs_when_the_run_ends(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Processes(tmp_path) as processes:
        processes.start("scheduler", HANGS)
        processes.wait_for(lambda: (tmp_path / "scheduler.log").read_text() or None, 20, "the first line")
        processes.failed("bed 3: no page within 30 s")
    err = capsys.readouterr().err
    assert "benchmark failure: bed 3: no page within 30 s" in err
    assert "listening on 127.0.0.1:8050" in err


def test_a_benchmark_that_succeeds_prints_nothing_extra(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Processes(tmp_path) as processes:
        processes.start("scheduler", HANGS)
        processes.wait_for(lambda: (tmp_path / "scheduler.log").read_text() or None, 20, "the first line")
    assert capsys.readouterr() == ("", "")
    assert "listening" in (tmp_path / "scheduler.log").read_text()  # the output is kept in the folder


def test_a_process_stopped_by_the_benchmark_is_not_taken_for_one_that_died(tmp_path: Path) -> None:
    with Processes(tmp_path) as processes:
        scheduler = processes.start("scheduler", HANGS)
        processes.stop(scheduler)
        processes.check()  # does not raise


def test_without_a_folder_the_logs_go_to_a_temporary_one_removed_at_the_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(ProcessExited), Processes() as processes:
        processes.start("scheduler", DIES)
        processes.wait_for(lambda: False, 20, "the scheduler taking the lead")
    assert not processes.folder.exists()
    assert "cannot open the database" in capsys.readouterr().err
