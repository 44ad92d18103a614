export function Queues() {
  return <div>Queues</div>;
}
