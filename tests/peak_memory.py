"""Peak memory of a call, as traced by tracemalloc (numpy reports its array buffers to it)."""
import tracemalloc


def peak_bytes(call):
    """(result of ``call()``, peak traced bytes allocated during the call)."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
