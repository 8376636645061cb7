export function UsersPage() {
  return <main class="page"><h1>Users</h1><p class="muted">Not yet.</p></main>;
}
