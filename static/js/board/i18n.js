// @ts-check
// The board's words in the page's language.
//
// The page loads Django's JavaScript catalog (jsi18n/, domain djangojs) before
// the modules; it defines a global `django` with gettext and ngettext. Without
// it (node tests, a catalog that failed to load) the English text is shown.
// makemessages finds the strings by these names: t("..."), tn("...", "...", n).

const catalog = () => globalThis.django;

/** `text` in the page's language. */
export function t(text) {
  const django = catalog();
  return django && django.gettext ? django.gettext(text) : text;
}

/** The singular or plural of a count, in the page's language. */
export function tn(singular, plural, n) {
  const django = catalog();
  if (django && django.ngettext) return django.ngettext(singular, plural, n);
  return n === 1 ? singular : plural;
}

/** Fill `%(name)s` placeholders of a (translated) text from `values`. */
export function format(text, values) {
  return text.replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
