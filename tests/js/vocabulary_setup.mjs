// The board's vocabulary for node tests, which have no page to read it
// from: the same data the page renders (storming/vocabulary.py for_page,
// in English), kept in vocabulary.json by tests/js/test_vocabulary_json.py.
// Import this first: the board's modules read it when they load.

import { readFileSync } from "node:fs";

globalThis.boardVocabulary = JSON.parse(readFileSync(new URL("./vocabulary.json", import.meta.url), "utf8"));
