// The board's layout feature (being built).

export function install() {}
