import { useEffect, useState } from 'preact/hooks';

// Client-side routes under /ui (the server answers index.html for any path
// without an extension). A page keeps its filters in the query string, so
// they survive a reload and a return through sign-in, and a link can be shared.

export function usePath() {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const changed = () => setPath(location.pathname);
    addEventListener('popstate', changed);
    addEventListener('sb-navigate', changed);
    return () => {
      removeEventListener('popstate', changed);
      removeEventListener('sb-navigate', changed);
    };
  }, []);
  return path;
}

export function navigate(path) {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  dispatchEvent(new Event('sb-navigate'));
}

// A link that navigates in place; a modified click (new tab) is the browser's.
export function Link({ href, children, ...rest }) {
  function click(e) {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  }
  return <a href={href} onClick={click} {...rest}>{children}</a>;
}

// State kept in the URL's query string (replaceState: filters are not history).
export function useQueryState(name, initial = '') {
  const [value, setValue] = useState(() => new URLSearchParams(location.search).get(name) ?? initial);
  function set(v) {
    const q = new URLSearchParams(location.search);
    if (v === '' || v === null || v === undefined || v === initial) q.delete(name);
    else q.set(name, String(v));
    const s = q.toString();
    history.replaceState(null, '', location.pathname + (s ? `?${s}` : ''));
    setValue(v ?? initial);
  }
  return [value, set];
}
