// Every text the web client shows a person, in one place so it can be reviewed and translated as a whole.
// Code elsewhere never writes a user-visible English sentence; it picks one from here. Texts that name
// something (a session, a user, a number) are functions.

export const PRODUCT = 'opendcv';

export const S = {
  product: PRODUCT,
  noScript: 'The opendcv viewer needs JavaScript.',

  // Login page
  loginHeading: 'Log in',
  loginTo: (host: string) => `to ${host}`,
  userName: 'User name',
  password: 'Password',
  logIn: 'Log in',
  checking: 'Checking…',
  capsLockOn: 'Caps Lock is on.',
  loggedInAs: (user: string) => `Logged in as ${user}`,
  logOut: 'Log out',
  loginNeeded: 'Log in to continue',
  tokenLinkNeeded:
    'This server admits viewers through a link that carries an authentication token; open the link you were given.',
  unreachable: (why: string) => `The server cannot be reached: ${why}`,
  serverAnswered: (status: number) => `The server answered ${status}.`,

  // Session list
  sessionsHeading: 'Sessions',
  loadingSessions: 'Loading sessions…',
  filterSessions: 'Filter sessions',
  filterPlaceholder: 'Name, id, owner or type',
  noSessions:
    'There are no sessions you can connect to. An administrator creates one with `dcv create-session`.',
  noMatch: (filter: string) => `No session matches “${filter}”.`,
  sessionCount: (n: number) => `${n} session${n === 1 ? '' : 's'}`,
  cannotListSessions: (why: string) => `Cannot list sessions: ${why}`,
  unexpectedAnswer: 'the server sent an unexpected answer',
  columnName: 'Name',
  columnOwner: 'Owner',
  columnType: 'Type',
  columnCreated: 'Created',
  columnConnections: 'Connections',
  thumbnailOf: (name: string) => `Screen of ${name}`,
  noThumbnail: 'No picture yet',
  sessionListLink: 'Session list',
  refresh: 'Refresh',

  // Connection
  connectionLost: 'the connection to the server was lost',
  serverWentAway: 'the server went away',
  connectionClosedCode: (code: number) => `connection closed (${code})`,
  textFrame: 'text frames are not part of the viewer protocol',
  badServerMessage: (why: string) => `bad message from server: ${why}`,
  handshakeTimeout: 'the server did not answer the handshake',
  pageClosed: 'the page was closed',
  closedByViewer: 'Closed by the viewer.',

  // Connection states
  connecting: (session: string) => `Connecting to session ${session}…`,
  connectedTo: (session: string) => `Connected to ${session}`,
  disconnected: (reason: string) => `Disconnected: ${reason}`,
  reconnectingIn: (reason: string, seconds: number) =>
    `Disconnected: ${reason} — reconnecting in ${seconds} s`,
  retryNow: 'Retry now',
  reconnect: 'Reconnect',
  checkingAgainIn: (seconds: number) => `Checking again in ${seconds} s.`,
  stateConnecting: 'Connecting…',
  stateReconnecting: 'Connection lost',
  stateReconnectingAdvice:
    'The server cannot be reached or the connection broke. This page tries again by itself; nothing is lost in the session.',
  stateNotFound: 'Session not found',
  stateNotFoundAdvice: (session: string) =>
    `There is no session “${session}” that you may open. Check the address or pick one from the session list. ` +
    'If it is being created, this page connects as soon as it exists.',
  stateEnded: 'The session has ended',
  stateEndedAdvice:
    'The session was closed. Unsaved work in it is gone. If it is created again with the same id, this page connects by itself.',
  stateClosedByAdmin: 'Disconnected by an administrator',
  stateClosedByAdminAdvice:
    'An administrator closed this connection. Reconnect when you are allowed to, or ask the administrator why.',
  stateLicense: 'Refused by the license',
  stateLicenseAdvice:
    'The server’s license does not allow more connections now. Ask the administrator to check it (dcv license show); ' +
    'this page connects as soon as it does.',
  stateDenied: 'Not allowed',
  stateDeniedAdvice:
    'You may not view this session. Ask its owner or the administrator for the display permission.',
  stateBusy: 'The session is full',
  stateBusyAdvice: 'The session has as many viewers as it allows. This page connects when one leaves.',
  stateServerError: 'The server cannot show this session',
  stateServerErrorAdvice: 'The server ran into a problem; its log has the details. This page keeps trying.',
  stateUserDisconnected: 'You disconnected',
  stateUserDisconnectedAdvice: 'The session goes on without you. Reconnect to pick it up where it is.',
  stateRefused: 'The connection was refused',
  stateRefusedAdvice: 'The reason is below. This will not change by trying again.',
  stateGoingAway: 'The server is restarting',

  // Toolbar
  toolbar: 'Session toolbar',
  hideToolbar: 'Hide the toolbar',
  showToolbar: 'Show the toolbar',
  fit: 'fit',
  fitTitle: 'Scale the remote screen down to fit the window',
  oneToOne: '1:1',
  oneToOneTitle: 'Show the remote screen pixel for pixel, scrolling if the window is smaller',
  fullscreen: 'full screen',
  fullscreenTitle: 'Show the remote screen on the whole display (hold Esc to leave)',
  disconnect: 'Disconnect',
  disconnectTitle: 'Leave the session; it goes on running',
  keys: 'Keys',
  keysTitle: 'Send keys the browser keeps for itself',
  ctrlAltDel: 'Ctrl+Alt+Del',
  modifierHeld: (key: string) => `${key} held for the next key`,
  typeText: 'Type text into the session',
  send: 'Send',
  onScreenKeyboard: 'Keyboard',
  onScreenKeyboardTitle: 'Show the on-screen keyboard',
  metrics: 'Metrics',
  metricsTitle: 'Streaming metrics',
  metricFps: 'Frames per second',
  metricLatency: 'Latency (capture to screen)',
  metricRtt: 'Round trip',
  metricBandwidth: 'Bandwidth',
  metricCurrent: 'current',
  metricAverage: 'average',
  metricPeak: 'peak',
  metricScreen: 'Screen',
  metricCodec: 'Codec',
  metricFrames: 'Frames shown',
  notifications: 'Notifications',
  notificationsTitle: 'What happened in this session',
  noNotifications: 'Nothing yet.',
  clearNotifications: 'Clear',
  preferences: 'Preferences',
  preferencesTitle: 'Viewer preferences',
  theme: 'Theme',
  themeSystem: 'As the system',
  themeLight: 'Light',
  themeDark: 'Dark',
  autoHide: 'Hide the toolbar in full screen until the pointer reaches the top',
  collaborators: 'Collaborators',
  collaboratorsTitle: 'Who else is connected',
  collaboratorYou: 'you',
  collaboratorOwner: 'owner',
  collaboratorDisconnect: (user: string) => `Disconnect ${user}`,
  collaboratorsOnlyYou: 'Nobody else is connected.',
  collaboratorsOwnerOnly: 'Only the session’s owner can disconnect others.',
  collaboratorJoined: (user: string) => `${user} joined the session.`,
  collaboratorLeft: (user: string) => `${user} left the session.`,
  collaboratorsFrom: (user: string, address: string) => `${user} from ${address}`,
  clipboardReceived: 'The session’s clipboard changed; paste with Ctrl+V in this page’s other programs.',
  remoteScreen: 'Remote desktop',
} as const;

export type Strings = typeof S;
