import gc
import threading

from alerts.cycles import cycle_collection_paused


def test_cycle_collection_is_paused_inside_and_restored_after_even_on_error() -> None:
    assert gc.isenabled()
    try:
        with cycle_collection_paused():
            assert not gc.isenabled()
            raise RuntimeError("a sweep failed")
    except RuntimeError:
        pass
    assert gc.isenabled()


def test_nested_and_overlapping_pauses_restore_collection_only_when_the_last_leaves() -> None:
    inside, release = threading.Event(), threading.Event()

    def other_reader() -> None:
        with cycle_collection_paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other_reader)
    with cycle_collection_paused():
        thread.start()
        assert inside.wait(10)
        with cycle_collection_paused():
            assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread is still reading a ward
    release.set()
    thread.join(10)
    assert gc.isenabled()


def test_a_process_that_had_turned_collection_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
