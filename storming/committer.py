"""Board commands from every socket of this process, written in groups
(group commit).

A command on its own costs a transaction: its board's lock, its state, a
commit, on the process's one database thread. At a few hundred commands a
second, on one board or many, those costs are the limit, not the commands.
So sockets hand their commands here: while one group is being written, the
next ones wait, and go together as the next group (`services.execute_each`),
each still accepted or refused on its own, in the order they arrived. A lone
command waits for nothing: it is a group of one.
"""

import asyncio
from collections import deque

from channels.db import database_sync_to_async

from . import services

# Commands written in one transaction at most (the rest wait for the next).
MAX_GROUP = 500


class _Queue:
    def __init__(self):
        self.waiting = deque()
        self.task = None


# Per event loop (the tests run several).
_queues: dict[int, _Queue] = {}


async def run(board_id, member, name, data, command_id=None):
    """Run one command with the others waiting on the board: its `Applied`,
    or the `CommandError` that refused it raised."""
    loop = asyncio.get_running_loop()
    key = id(loop)
    queue = _queues.setdefault(key, _Queue())
    future = loop.create_future()
    request = services.Request(board_id, member, name, data, command_id)
    queue.waiting.append((request, future))
    if queue.task is None:
        queue.task = loop.create_task(_drain(key, queue))
    return await future


async def _drain(key, queue):
    try:
        while queue.waiting:
            size = min(MAX_GROUP, len(queue.waiting))
            group = [queue.waiting.popleft() for _ in range(size)]
            try:
                outcomes = await database_sync_to_async(services.execute_each)(
                    [request for request, _ in group]
                )
            except Exception as error:  # each sender hears of it
                outcomes = [error] * len(group)
            for (_, future), outcome in zip(group, outcomes, strict=True):
                if future.done():
                    # Its sender went away; a re-send finds it in the log.
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
    finally:
        queue.task = None
        if not queue.waiting and _queues.get(key) is queue:
            del _queues[key]
