// What the board's modules find on `window` that no module of theirs
// declares: the vendored Mermaid (static/vendor, loaded by a script tag on
// demand) and the page's live objects, kept for tests and the console.

interface Mermaid {
  initialize(config: { startOnLoad?: boolean; securityLevel?: string }): void;
  render(id: string, text: string): Promise<{ svg: string }>;
}

interface Window {
  mermaid?: Mermaid;
  /** main.js: the page's live objects (tests/browser reads them). */
  boardApp?: Record<string, unknown>;
}
