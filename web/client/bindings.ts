// Which action an element runs for an event, and with what input.
//
// The renderer emits, on any element:
//   data-mb-action="<name>"        the action to run
//   data-mb-package="<id>"         its package (may sit on an ancestor instead)
//   data-mb-event="click|change|submit|input|keydown|..."   default: submit for a form, else click
//   data-mb-input='<JSON>'         the input; else the enclosing form serialised; else {}
//   data-mb-events='{"<event>": {"action", "package", "input"?}, ...}'   more events, same element
// Inside an input, {"$event": "target.value"} stands for a value read from the DOM event when
// it fires (the renderer cannot know it): a path of plain property names from the event.

import { serializeForm } from "./forms";

export interface Binding {
  action: string;
  package: string;
  /** The declared input, or `undefined` to take the form (or the control's own value). */
  input: unknown;
}

export const SELECTOR = "[data-mb-action],[data-mb-events]";
const NO_INPUT = undefined;

export function primaryEvent(element: HTMLElement): string {
  return element.dataset.mbEvent || (element instanceof HTMLFormElement ? "submit" : "click");
}

/** Every event type `element` is bound to. */
export function eventTypes(element: HTMLElement): string[] {
  const types = element.dataset.mbAction ? [primaryEvent(element)] : [];
  const extra = element.dataset.mbEvents;
  if (extra) {
    try {
      const refs: unknown = JSON.parse(extra);
      if (refs && typeof refs === "object") types.push(...Object.keys(refs));
    } catch {
      // reported when the element's event fires
    }
  }
  return types;
}

/** The binding of `element` for events of `type`, if it has one. Throws on malformed JSON. */
export function bindingFor(element: HTMLElement, type: string): Binding | null {
  const inherited = element.closest<HTMLElement>("[data-mb-package]")?.dataset.mbPackage ?? "";
  const action = element.dataset.mbAction;
  if (action && primaryEvent(element) === type) {
    const raw = element.dataset.mbInput;
    const input = raw ? parseJson(raw, `data-mb-input of action "${action}"`) : NO_INPUT;
    return { action, package: inherited, input };
  }
  const extra = element.dataset.mbEvents;
  if (!extra) return null;
  const refs = parseJson(extra, "data-mb-events") as Record<string, Partial<Binding>> | null;
  const ref = refs && typeof refs === "object" ? refs[type] : undefined;
  if (!ref || typeof ref.action !== "string") return null;
  return { action: ref.action, package: ref.package || inherited, input: ref.input };
}

/** The JSON input to send: declared (with $event filled in), else the form, else {}. */
export function inputFor(binding: Binding, element: HTMLElement, event: Event): unknown {
  if (binding.input !== NO_INPUT) return fillEventRefs(binding.input, event);
  if (element instanceof HTMLFormElement) {
    const submitter = event instanceof SubmitEvent ? event.submitter : null;
    return serializeForm(element, submitter);
  }
  const form = formOf(element);
  if (form) return serializeForm(form, element);
  if (isNamedControl(element)) return { [element.name]: controlValue(element) };
  return {};
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`The ${what} is not valid JSON.`);
  }
}

function fillEventRefs(value: unknown, event: Event): unknown {
  if (Array.isArray(value)) return value.map((item) => fillEventRefs(item, event));
  if (!value || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === "$event") return readEvent(event, record.$event);
  return Object.fromEntries(keys.map((key) => [key, fillEventRefs(record[key], event)]));
}

/** A JSON value read from the event along a dotted path of plain (non-underscore) names. */
function readEvent(event: Event, path: unknown): unknown {
  let current: unknown = event;
  const names = typeof path === "string" && path ? path.split(".") : [];
  for (const name of names) {
    if (!/^[A-Za-z][\w$]*$/.test(name) || current === null || typeof current !== "object") {
      return null;
    }
    current = (current as Record<string, unknown>)[name];
  }
  return jsonValue(current);
}

function jsonValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return value;
  if (value instanceof Event) return { type: value.type, value: jsonValue(targetValue(value)) };
  if (value instanceof Element) {
    return isNamedControl(value) ? controlValue(value) : value.textContent;
  }
  return null;
}

function targetValue(event: Event): unknown {
  const target = event.target;
  return target instanceof Element && isNamedControl(target) ? controlValue(target) : null;
}

function formOf(element: HTMLElement): HTMLFormElement | null {
  if ("form" in element && element.form instanceof HTMLFormElement) return element.form;
  return element.closest("form");
}

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

function isNamedControl(element: Element): element is Field {
  return (
    element instanceof HTMLInputElement ||
    element instanceof HTMLSelectElement ||
    element instanceof HTMLTextAreaElement
  );
}

function controlValue(control: Field): unknown {
  if (control instanceof HTMLInputElement && control.type === "checkbox") return control.checked;
  if (control instanceof HTMLInputElement && ["number", "range"].includes(control.type)) {
    return control.value === "" ? null : Number(control.value);
  }
  return control.value;
}
