// A plain editor: a <textarea> for the text and, exactly behind it, a <pre> with the same
// font and metrics that holds the same text, invisible, with each diagnostic's span wrapped
// in a <mark> that draws the underline. No library and no build step: the textarea keeps
// everything a person expects (undo, selection, IME, accessibility). The text only ever
// enters the DOM through text nodes.

/** Characters that end the token a diagnostic points at. */
const TOKEN_END = /[\s,()[\]{}"'`;:]/;

/** [start, end) offsets in `text` of a diagnostic at 1-based line/col (the token there). */
export function spanOf(text, lineStarts, line, col) {
  if (line < 1 || line > lineStarts.length) return undefined;
  const lineStart = lineStarts[line - 1];
  const lineEnd = line < lineStarts.length ? lineStarts[line] - 1 : text.length;
  if (lineEnd <= lineStart) return undefined;
  const start = Math.min(lineStart + Math.max(col, 1) - 1, lineEnd - 1);
  let end = start + 1;
  if (!TOKEN_END.test(text[start])) while (end < lineEnd && !TOKEN_END.test(text[end])) end++;
  return [start, end];
}

function lineStartsOf(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

export function createEditor({ textarea, marks, onChange }) {
  let diagnostics = [];

  function render() {
    const text = textarea.value;
    const starts = lineStartsOf(text);
    const spans = [];
    for (const d of diagnostics) {
      const span = spanOf(text, starts, d.line, d.col);
      if (span) spans.push({ start: span[0], end: span[1], d });
    }
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    marks.replaceChildren();
    let at = 0;
    for (const { start, end, d } of spans) {
      if (start < at) continue; // overlapping: the first one is underlined, all are listed
      marks.append(document.createTextNode(text.slice(at, start)));
      const mark = document.createElement('mark');
      mark.className = `diag ${d.severity}`;
      mark.dataset.code = d.code;
      mark.dataset.line = String(d.line);
      mark.title = `${d.code} ${d.message}`;
      mark.textContent = text.slice(start, end);
      marks.append(mark);
      at = end;
    }
    // A final newline keeps the backdrop as tall as the textarea's scrollable text.
    marks.append(document.createTextNode(`${text.slice(at)}\n`));
    syncScroll();
  }

  function syncScroll() {
    marks.scrollTop = textarea.scrollTop;
    marks.scrollLeft = textarea.scrollLeft;
  }

  textarea.addEventListener('input', () => {
    render();
    onChange(textarea.value);
  });
  textarea.addEventListener('scroll', syncScroll);
  // YAML forbids tabs for indentation: the Tab key indents with two spaces instead.
  textarea.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab' || event.shiftKey || event.ctrlKey || event.metaKey || event.altKey) return;
    event.preventDefault();
    document.execCommand('insertText', false, '  ');
  });

  return {
    get text() {
      return textarea.value;
    },
    setText(text) {
      textarea.value = text;
      textarea.scrollTop = 0;
      render();
    },
    /** Diagnostics of this file (line 0 ones are listed but have nothing to underline). */
    setDiagnostics(list) {
      diagnostics = list;
      render();
    },
    focusAt(line, col) {
      const starts = lineStartsOf(textarea.value);
      const span = spanOf(textarea.value, starts, line, col);
      if (!span) return;
      textarea.focus();
      textarea.setSelectionRange(span[0], span[1]);
    },
  };
}
