// The board's history feature (being built).

export function install() {}
