export function EventTypes() {
  return <div>EventTypes</div>;
}
