export function Settings() {
  return <div>Settings</div>;
}
