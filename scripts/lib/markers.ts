// Generated sections of Markdown files: the text between a start and an end marker is replaced whole,
// so a generator can run again and again and a test can compare what is there with what it would write.

export interface Markers {
  start: string;
  end: string;
  /** Written on the line after `start`: which script generates the section. */
  note: string;
}

/** `text` with exactly the part between the markers replaced by `section`; throws without one pair. */
export function replaceMarked(text: string, markers: Markers, section: string): string {
  const { start: startMarker, end: endMarker, note } = markers;
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  if (start < 0 || end < start || text.indexOf(startMarker, start + 1) >= 0) {
    throw new Error(`needs one ${startMarker} followed by one ${endMarker}`);
  }
  const head = text.slice(0, start + startMarker.length);
  return `${head}\n${note}\n\n${section.trim()}\n\n${text.slice(end)}`;
}
