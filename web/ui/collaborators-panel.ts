// DCV's collaborators panel: who else is connected to this session (from the server's ConnectionList), which
// of them is the owner and which is this page; the owner gets a Disconnect button beside each other viewer.
// The server enforces that only the owner may (docs/protocol.md), whatever this panel shows.
import { S } from '../strings.js';
import type { ServerMessageOf, ViewerModule } from '../viewer-modules.js';

export const collaboratorsPanel: ViewerModule = (ctx) => {
  let latest: ServerMessageOf<'connection-list'> | undefined;
  let known = new Map<number, string>();
  let list: HTMLElement | undefined;
  let note: HTMLElement | undefined;
  const render = (): void => {
    if (list === undefined || note === undefined) return;
    const connections = latest?.connections ?? [];
    list.replaceChildren(
      ...connections.map((c) => {
        const li = document.createElement('li');
        li.dataset['connectionId'] = String(c.connectionId);
        const who = document.createElement('span');
        who.className = 'who';
        who.textContent = S.collaboratorsFrom(c.username, c.address);
        li.appendChild(who);
        for (const [on, text] of [
          [c.owner, S.collaboratorOwner],
          [c.connectionId === ctx.connectionId, S.collaboratorYou],
        ] as const) {
          if (!on) continue;
          const tag = document.createElement('span');
          tag.className = 'tag';
          tag.textContent = text;
          li.appendChild(tag);
        }
        if (latest?.canDisconnect === true && c.connectionId !== ctx.connectionId) {
          const b = document.createElement('button');
          b.type = 'button';
          b.textContent = S.disconnect;
          b.setAttribute('aria-label', S.collaboratorDisconnect(c.username));
          b.addEventListener('click', () =>
            ctx.send({ type: 'disconnect-viewer', connectionId: c.connectionId }),
          );
          li.appendChild(b);
        }
        return li;
      }),
    );
    const others = connections.filter((c) => c.connectionId !== ctx.connectionId).length;
    note.textContent =
      others === 0 ? S.collaboratorsOnlyYou : latest?.canDisconnect === true ? '' : S.collaboratorsOwnerOnly;
    note.hidden = note.textContent === '';
  };
  const panel = ctx.toolbar.addPanel({
    id: 'collaborators',
    label: S.collaborators,
    title: S.collaboratorsTitle,
    icon: 'people',
    order: 65,
    mount(el) {
      list = document.createElement('ul');
      list.className = 'collaborators';
      note = document.createElement('p');
      note.className = 'note';
      el.append(list, note);
      render();
    },
  });
  ctx.onMessage('connection-list', (m) => {
    const now = new Map(m.connections.map((c) => [c.connectionId, c.username]));
    // Joins and leaves after the first list of a connection are worth a notification.
    if (latest !== undefined) {
      for (const [id, user] of now) if (!known.has(id)) ctx.notify(S.collaboratorJoined(user));
      for (const [id, user] of known) if (!now.has(id)) ctx.notify(S.collaboratorLeft(user));
    }
    latest = m;
    known = now;
    const others = m.connections.filter((c) => c.connectionId !== ctx.connectionId).length;
    panel.setBadge(others);
    render();
  });
  ctx.onStateChange((state) => {
    if (state === 'connected') return;
    latest = undefined;
    known = new Map();
    panel.setBadge(0);
    render();
  });
};
