// The page without a #SESSION_ID: the sessions this login may open, as DCV's session manager lists them —
// a thumbnail of the screen, name and id (the link that opens it), owner, type, creation time and how many
// viewers are connected — with a filter, refreshed while the page is open.
import { fetchSessions, fetchThumbnail, type SessionInfo } from '../connection/sessions-api.js';
import { S } from '../strings.js';

const REFRESH_MS = 10_000;

export async function showSessionList(
  root: HTMLElement,
  onStatus: (message: string) => void,
): Promise<number> {
  const section = document.createElement('main');
  section.id = 'sessions';
  const heading = document.createElement('h1');
  heading.textContent = S.sessionsHeading;
  const filterLabel = document.createElement('label');
  filterLabel.className = 'filter';
  filterLabel.textContent = S.filterSessions;
  const filter = document.createElement('input');
  filter.type = 'search';
  filter.id = 'session-filter';
  filter.placeholder = S.filterPlaceholder;
  filterLabel.appendChild(filter);
  const empty = document.createElement('p');
  empty.className = 'empty';
  const list = document.createElement('ul');
  list.className = 'session-cards';
  section.append(heading, filterLabel, list, empty);
  root.appendChild(section);

  let sessions: SessionInfo[] = [];
  const thumbs = new Map<string, string>();
  const render = (): void => {
    const q = filter.value.trim().toLowerCase();
    const shown = sessions.filter((s) =>
      [s.id, s.name, s.owner, s.type ?? ''].some((f) => f.toLowerCase().includes(q)),
    );
    list.replaceChildren(...shown.map((s) => card(s, thumbs.get(s.id))));
    empty.textContent =
      sessions.length === 0 ? S.noSessions : shown.length === 0 ? S.noMatch(filter.value) : '';
    empty.hidden = empty.textContent === '';
  };
  filter.addEventListener('input', render);

  const load = async (): Promise<boolean> => {
    try {
      sessions = await fetchSessions();
    } catch (e) {
      onStatus(S.cannotListSessions(e instanceof Error ? e.message : String(e)));
      return false;
    }
    onStatus(S.sessionCount(sessions.length));
    render();
    for (const s of sessions) {
      void fetchThumbnail(s.id).then((url) => {
        if (url === undefined) return;
        const old = thumbs.get(s.id);
        thumbs.set(s.id, url);
        const img = list.querySelector<HTMLImageElement>(`li[data-session-id="${CSS.escape(s.id)}"] img`);
        if (img !== null) img.src = url;
        else render();
        if (old !== undefined) URL.revokeObjectURL(old);
      });
    }
    return true;
  };
  const ok = await load();
  setInterval(() => void load(), REFRESH_MS);
  return ok ? sessions.length : 0;
}

function card(s: SessionInfo, thumbnail: string | undefined): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset['sessionId'] = s.id;
  const name = s.name !== '' ? s.name : s.id;
  const figure = document.createElement('div');
  figure.className = 'thumbnail';
  if (thumbnail !== undefined) {
    const img = document.createElement('img');
    img.src = thumbnail;
    img.alt = S.thumbnailOf(name);
    figure.appendChild(img);
  } else {
    figure.textContent = S.noThumbnail;
  }
  const a = document.createElement('a');
  a.href = `#${encodeURIComponent(s.id)}`;
  a.textContent = s.name && s.name !== s.id ? `${s.name} (${s.id})` : s.id;
  a.dataset['sessionId'] = s.id;
  const facts = document.createElement('dl');
  const fact = (label: string, value: string | undefined, cls: string): void => {
    if (value === undefined) return;
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.className = cls;
    dd.textContent = value;
    facts.append(dt, dd);
  };
  fact(S.columnOwner, s.owner, 'owner');
  fact(S.columnType, s.type, 'type');
  fact(S.columnCreated, s.creationTime === undefined ? undefined : formatTime(s.creationTime), 'created');
  fact(S.columnConnections, s.connections === undefined ? undefined : String(s.connections), 'connections');
  const title = document.createElement('h2');
  title.appendChild(a);
  li.append(figure, title, facts);
  return li;
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
