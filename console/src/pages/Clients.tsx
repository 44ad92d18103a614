export function Clients() {
  return <div>Clients</div>;
}
