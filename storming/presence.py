"""Who is on a board right now, and the colour each person's cursor has.

Never stored: presence lives in the memory of the processes that hold the
sockets, and each process announces its own people to the others.
"""

import hashlib

# Distinct on the orange/blue/lilac stickies and readable under white text.
PALETTE = (
    "#d9480f",
    "#1971c2",
    "#2f9e44",
    "#ae3ec9",
    "#e8590c",
    "#0c8599",
    "#c2255c",
    "#5f3dc4",
    "#66a80f",
    "#1864ab",
    "#f08c00",
    "#495057",
)


def pick_color(member_id: str, taken=()) -> str:
    """A colour for `member_id`: its own hashed choice, or the next free one.

    Starting from a hash keeps a person's colour stable across reconnects
    when the board is quiet; skipping taken colours gives everyone present
    their own while there are colours left.
    """
    start = int(hashlib.sha1(str(member_id).encode()).hexdigest()[:8], 16)
    taken = set(taken)
    for step in range(len(PALETTE)):
        color = PALETTE[(start + step) % len(PALETTE)]
        if color not in taken:
            return color
    return PALETTE[start % len(PALETTE)]


def members(entries) -> list[dict]:
    """One row per member from per-connection entries, with a count of
    their connections, in a stable order."""
    rows = {}
    for entry in entries:
        row = rows.get(entry["member"])
        if row is None:
            rows[entry["member"]] = row = {
                "member": entry["member"],
                "name": entry["name"],
                "color": entry["color"],
                "role": entry["role"],
                "connections": 0,
            }
        row["connections"] += 1
    return sorted(rows.values(), key=lambda row: (row["name"].lower(), row["member"]))
