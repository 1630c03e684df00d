"""Boards' current states, kept in memory between their transactions.

Deciding a group of commands in memory needs the whole board; reading it
from the tables costs tens of milliseconds on a large board, more than the
commands themselves. So the state a transaction leaves is kept, with the seq
it is at, and the next transaction on the board takes it instead.

A state is taken out for one transaction at a time and given back only after
that transaction commits, at the seq it committed: a rollback leaves nothing
half-changed here, and a state whose seq is not the board's head (another
process, or a write path that does not keep states, has written since) is
never used.
"""

import threading
from collections import OrderedDict

# States of this many boards at most (the least recently written go first).
MAX_BOARDS = 64

_lock = threading.Lock()
_states: OrderedDict[str, tuple[int, dict]] = OrderedDict()


def take(board_id, seq):
    """The board's kept state if it is at `seq`, removed from here; or None."""
    with _lock:
        kept = _states.pop(str(board_id), None)
    if kept is None or kept[0] != seq:
        return None
    return kept[1]


def give_back(board_id, seq, state):
    """Keep `state`, the board at `seq` (committed), unless a later one is kept."""
    key = str(board_id)
    with _lock:
        current = _states.get(key)
        if current is not None and current[0] >= seq:
            return
        _states[key] = (seq, state)
        _states.move_to_end(key)
        while len(_states) > MAX_BOARDS:
            _states.popitem(last=False)


def forget(board_id):
    """Drop the board's kept state (its tables are being rebuilt)."""
    with _lock:
        _states.pop(str(board_id), None)
