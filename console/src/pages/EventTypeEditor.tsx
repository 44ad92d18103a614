export function EventTypeEditor() {
  return <div>EventTypeEditor</div>;
}
