// @ts-check
// The board's features beyond the canvas core: checks, review, facilitation
// tools, history... Each module exports `install(app)`, which wires it to the
// page's parts (see main.js: store, scene, viewport, renderer, connection,
// actions, toasts, commands, focusSticky, board, me, boardId); main.js
// installs every feature listed here, in order.

import { install as checks } from "./checks.js";
import { install as facilitation } from "./facilitation.js";
import { install as history } from "./history.js";
import { install as layout } from "./layout.js";
import { install as persist } from "./persist.js";
import { install as review } from "./review.js";

export const FEATURES = [persist, checks, review, layout, facilitation, history];
