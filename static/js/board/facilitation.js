// The board's facilitation feature (being built).

export function install() {}
