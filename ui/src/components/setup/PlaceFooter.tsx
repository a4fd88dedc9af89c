/** Where this app's data lives, in small print under the first screens. */
export type Place = { dataDir: string; device: string };

export function PlaceFooter({ place }: { place: Place | null }) {
  if (!place) return null;
  return (
    <dl className="place-footer">
      <div>
        <dt>Device</dt>
        <dd>{place.device}</dd>
      </div>
      <div>
        <dt>Data folder</dt>
        <dd className="mono">{place.dataDir}</dd>
      </div>
    </dl>
  );
}
