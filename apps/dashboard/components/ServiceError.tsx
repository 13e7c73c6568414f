export function ServiceError({ service, message }: { service: string; message: string }) {
  return (
    <div role="alert" className="error">
      <strong>{service} unavailable.</strong> {message}
    </div>
  );
}
