export function ClientCard() {
  return <div>ClientCard</div>;
}
