// Progressive enhancement for the generated entity views (web/views). The views work without
// it; with it:
//   - [data-view-select-all] toggles every "ids" checkbox of its form;
//   - submit buttons with data-view-confirm ask first;
//   - a [data-view-fk] box (foreign-key picker) refills its <select> from the search box,
//     asking the server's `?format=options&q=` for matches;
//   - textareas in [data-view-validate="json"] or ["array:<type>"] are checked as the user types
//     (the same rule the server applies), so the browser refuses to submit bad values.

interface Option {
  value: string;
  label: string;
}

const SEARCH_DELAY_MS = 200;

export function installEntityViews(root: Document): void {
  root.addEventListener("change", onChange);
  root.addEventListener("click", onClick, true);
  root.addEventListener("input", onInput);
}

function onChange(event: Event): void {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || box.type !== "checkbox") return;
  const all = box.closest<HTMLElement>("[data-view-select-all]");
  if (!all || !box.form) return;
  const name = all.dataset.viewSelectAll || "ids";
  for (const other of Array.from(box.form.elements)) {
    if (other instanceof HTMLInputElement && other.type === "checkbox" && other.name === name) {
      other.checked = box.checked;
    }
  }
}

function onClick(event: MouseEvent): void {
  const target = event.target;
  if (!(target instanceof Element)) return;
  const button = target.closest<HTMLElement>("button[data-view-confirm]");
  if (button && !window.confirm(button.dataset.viewConfirm || "Are you sure?")) {
    event.preventDefault();
    event.stopPropagation();
  }
}

const timers = new WeakMap<HTMLElement, number>();

function onInput(event: Event): void {
  const control = event.target;
  if (control instanceof HTMLInputElement && control.type === "search") {
    const picker = control.closest<HTMLElement>("[data-view-fk]");
    if (picker && picker.dataset.viewFk) {
      window.clearTimeout(timers.get(picker));
      timers.set(
        picker,
        window.setTimeout(() => void refill(picker, control.value), SEARCH_DELAY_MS),
      );
    }
    return;
  }
  if (control instanceof HTMLTextAreaElement) {
    const rule = control.closest<HTMLElement>("[data-view-validate]")?.dataset.viewValidate;
    if (rule) control.setCustomValidity(check(rule, control.value));
  }
}

async function refill(picker: HTMLElement, query: string): Promise<void> {
  const select = picker.querySelector("select");
  const base = picker.dataset.viewFk;
  if (!select || !base) return;
  const url = `${base}&q=${encodeURIComponent(query)}`;
  const response = await fetch(url, {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  if (!response.ok) return;
  const options = (await response.json()) as Option[];
  const current = select.value;
  const kept = Array.from(select.options).filter((o) => o.value === "" || o.value === current);
  select.replaceChildren(...kept);
  for (const option of options) {
    if (option.value === current) continue;
    select.append(new window.Option(option.label, option.value));
  }
  if (!current && options.length > 0 && query) select.value = options[0]!.value;
}

/** The error message for `value` under `rule`, or "" when it is fine. */
export function check(rule: string, value: string): string {
  if (!value.trim()) return "";
  if (rule === "json") {
    try {
      JSON.parse(value);
      return "";
    } catch (error) {
      return `Not valid JSON: ${(error as Error).message}`;
    }
  }
  if (!rule.startsWith("array:")) return "";
  const kind = rule.slice("array:".length);
  const lines = value.split("\n").map((line) => line.trim());
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    if (kind === "integer" && !/^-?\d+$/.test(line)) return `Line ${i + 1}: not a whole number`;
    if (kind === "number" && !Number.isFinite(Number(line))) return `Line ${i + 1}: not a number`;
    if (kind === "boolean" && !/^(true|false|yes|no|1|0)$/i.test(line)) {
      return `Line ${i + 1}: not true or false`;
    }
  }
  return "";
}
