// Form -> JSON, for actions. The controls a browser would submit, typed:
//   - a checkbox without a value attribute is a boolean, one with a value gives the value or
//     null; checkboxes sharing a name give an array of the checked values;
//   - a name ending in "[]" and <select multiple> always give arrays; any other repeated
//     name gives an array too;
//   - number and range inputs give numbers (null when empty); radios the checked value or null;
//   - disabled controls, file inputs and buttons other than the submitter are left out, and so
//     is the `csrf_token` field plain HTML forms carry (the runtime sends X-CSRF-Token instead).

const CSRF_FIELD = "csrf_token";

type Json = string | number | boolean | null | Json[];
type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | HTMLButtonElement;

interface Field {
  values: Json[];
  array: boolean;
}

export function serializeForm(
  form: HTMLFormElement,
  submitter?: Element | null,
): Record<string, Json> {
  const controls = Array.from(form.elements).filter(isControl);
  const checkboxes = new Map<string, number>();
  for (const c of controls) {
    if (c instanceof HTMLInputElement && c.type === "checkbox") {
      checkboxes.set(c.name, (checkboxes.get(c.name) ?? 0) + 1);
    }
  }
  const fields = new Map<string, Field>();
  const field = (raw: string, array = false): Field => {
    const name = raw.endsWith("[]") ? raw.slice(0, -2) : raw;
    let found = fields.get(name);
    if (!found) fields.set(name, (found = { values: [], array: false }));
    found.array ||= array || raw.endsWith("[]");
    return found;
  };

  for (const control of controls) {
    const { name } = control;
    if (!name || name === CSRF_FIELD || control.matches(":disabled")) continue;
    if (control instanceof HTMLButtonElement || isButtonInput(control)) {
      if (control === submitter) field(name).values.push(control.value);
    } else if (control instanceof HTMLSelectElement && control.multiple) {
      field(name, true).values.push(...Array.from(control.selectedOptions, (o) => o.value));
    } else if (!(control instanceof HTMLInputElement)) {
      field(name).values.push(control.value);
    } else if (control.type === "checkbox") {
      if ((checkboxes.get(name) ?? 0) > 1) {
        const group = field(name, true);
        if (control.checked) group.values.push(control.value);
      } else if (control.hasAttribute("value")) {
        field(name).values.push(control.checked ? control.value : null);
      } else {
        field(name).values.push(control.checked);
      }
    } else if (control.type === "radio") {
      const group = field(name);
      if (control.checked) group.values = [control.value];
      else if (group.values.length === 0) group.values = [null];
    } else if (control.type === "number" || control.type === "range") {
      field(name).values.push(control.value === "" ? null : Number(control.value));
    } else if (control.type !== "file") {
      field(name).values.push(control.value);
    }
  }

  const out: Record<string, Json> = {};
  for (const [name, { values, array }] of fields) {
    if (array || values.length > 1) out[name] = values;
    else if (values.length === 1) out[name] = values[0] ?? null;
  }
  return out;
}

function isControl(element: Element): element is Control {
  return (
    element instanceof HTMLInputElement ||
    element instanceof HTMLSelectElement ||
    element instanceof HTMLTextAreaElement ||
    element instanceof HTMLButtonElement
  );
}

function isButtonInput(control: Control): boolean {
  return (
    control instanceof HTMLInputElement &&
    ["submit", "button", "reset", "image"].includes(control.type)
  );
}
