"""Driving the board page: its canvas, its store and its controls.

The canvas draws what `window.boardApp` holds (store, scene, viewport), so the
tests act with the mouse and keyboard like a person and read the outcome from
the store, the outline and the controls around the canvas.
"""

import json


class BoardPage:
    def __init__(self, page, server, board):
        self.page = page
        self.server = server
        self.board = board
        self.errors = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "dialog", lambda dialog: self.errors.append(f"dialog: {dialog.message}")
        )

    @property
    def url(self):
        return f"{self.server.url}/boards/{self.board.pk}/"

    def open(self):
        self.page.goto(self.url)
        self.wait_live()
        return self

    def wait_live(self, timeout=15000):
        self.page.wait_for_function(
            "() => window.boardApp && window.boardApp.connection.status === 'live'",
            timeout=timeout,
        )

    def evaluate(self, script, arg=None):
        return self.page.evaluate(script, arg)

    def stickies(self):
        return self.evaluate(
            "() => [...window.boardApp.store.stickies.values()].map(s => ({...s}))"
        )

    def texts(self):
        return sorted(s["text"] for s in self.stickies())

    def sticky_with(self, text):
        return next((s for s in self.stickies() if s["text"] == text), None)

    def wait_for(self, expression, arg=None, timeout=10000):
        """Wait until the JS `expression` (a function of `app`, `arg`) is true."""
        self.page.wait_for_function(
            f"([arg]) => {{ const app = window.boardApp; return ({expression}); }}",
            arg=[arg],
            timeout=timeout,
        )

    def wait_for_text(self, text, timeout=10000):
        self.wait_for(
            "[...app.store.stickies.values()].some(s => s.text === arg)",
            text,
            timeout,
        )

    def screen_point(self, x, y):
        """Page coordinates of board point (x, y)."""
        return self.evaluate(
            """([x, y]) => {
                const canvas = document.getElementById('board-canvas');
                const r = canvas.getBoundingClientRect();
                const p = window.boardApp.viewport.toScreen(x, y);
                return {x: r.left + p.x, y: r.top + p.y};
            }""",
            [x, y],
        )

    def centre_of(self, sticky):
        return self.screen_point(
            sticky["x"] + sticky["width"] / 2, sticky["y"] + sticky["height"] / 2
        )

    def stage_point(self, fx, fy):
        """Page coordinates of a fraction of the canvas (0..1, 0..1)."""
        box = self.page.locator("#board-canvas").bounding_box()
        return {"x": box["x"] + box["width"] * fx, "y": box["y"] + box["height"] * fy}

    def create_by_double_click(self, fx, fy, text):
        point = self.stage_point(fx, fy)
        self.page.mouse.dblclick(point["x"], point["y"])
        self.page.locator("#sticky-editor").wait_for(state="visible")
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        self.wait_for_text(text)
        return self.sticky_with(text)

    def drag(self, start, end, steps=12):
        mouse = self.page.mouse
        mouse.move(start["x"], start["y"])
        mouse.down()
        for i in range(1, steps + 1):
            mouse.move(
                start["x"] + (end["x"] - start["x"]) * i / steps,
                start["y"] + (end["y"] - start["y"]) * i / steps,
            )
        mouse.up()

    def click_sticky(self, sticky, shift=False):
        point = self.centre_of(sticky)
        if shift:
            self.page.keyboard.down("Shift")
        self.page.mouse.click(point["x"], point["y"])
        if shift:
            self.page.keyboard.up("Shift")

    def commands(self, name):
        self.evaluate(f"() => window.boardApp.commands.{name}()")

    def save(self, artifacts, name):
        path = artifacts / name
        self.page.screenshot(path=str(path))
        return path

    def snapshot(self):
        return json.loads(
            self.evaluate("() => JSON.stringify(window.boardApp.store.snapshot())")
        )


def pixel(person, x, y):
    """The canvas's colour at board point (x, y), as RGB, in a frame drawn
    now (the view unchanged); `person` a BoardPage or a Playwright page."""
    return tuple(
        person.evaluate(
            """([x, y]) => {
                const app = window.boardApp;
                app.renderer.draw();
                const p = app.viewport.toScreen(x, y);
                const dpr = app.renderer.dpr;
                const ctx = document.getElementById('board-canvas').getContext('2d');
                const data = ctx.getImageData(
                    Math.round(p.x * dpr), Math.round(p.y * dpr), 1, 1).data;
                return [data[0], data[1], data[2]];
            }""",
            [x, y],
        )
    )
