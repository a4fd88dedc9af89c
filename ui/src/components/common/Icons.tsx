/**
 * Inline SVG icons (no icon font, nothing fetched). Decorative by default; pass `label` when the
 * icon carries meaning on its own, and it becomes an image with that accessible name.
 */
import type { ReactNode } from "react";

type IconProps = { label?: string; size?: number; className?: string };

function Svg({ label, size = 16, className, children }: IconProps & { children: ReactNode }) {
  const a11y = label
    ? { role: "img" as const, "aria-label": label }
    : { "aria-hidden": true as const, focusable: "false" as const };
  return (
    <svg
      className={className ? `icon ${className}` : "icon"}
      width={size}
      height={size}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.6}
      strokeLinecap="round"
      strokeLinejoin="round"
      {...a11y}
    >
      {label ? <title>{label}</title> : null}
      {children}
    </svg>
  );
}

export const CheckIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M3 8.5l3.2 3L13 4.5" />
  </Svg>
);

export const DeniedIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="5.8" />
    <path d="M3.9 12.1l8.2-8.2" />
  </Svg>
);

export const AlertIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 1.8l6.4 11.4H1.6z" />
    <path d="M8 6.2v3.3M8 11.4v.2" />
  </Svg>
);

export const InfoIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="6" />
    <path d="M8 7.2v4M8 4.8v.2" />
  </Svg>
);

export const EyeIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M1.5 8s2.4-4.5 6.5-4.5S14.5 8 14.5 8 12.1 12.5 8 12.5 1.5 8 1.5 8z" />
    <circle cx="8" cy="8" r="1.8" />
  </Svg>
);

export const SearchIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="7" cy="7" r="4.3" />
    <path d="M10.2 10.2l3.6 3.6" />
  </Svg>
);

export const ChevronDownIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M4 6l4 4 4-4" />
  </Svg>
);

export const CloseIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M4 4l8 8M12 4l-8 8" />
  </Svg>
);

export const WorksIcon = (p: IconProps) => (
  <Svg {...p}>
    <rect x="2.5" y="2" width="11" height="12" rx="1" />
    <path d="M5 5.5h6M5 8h6M5 10.5h3.5" />
  </Svg>
);

export const MembersIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="6" cy="5.5" r="2.3" />
    <path d="M1.8 13c.4-2.4 2.1-3.8 4.2-3.8s3.8 1.4 4.2 3.8" />
    <path d="M10.5 3.4a2.2 2.2 0 010 4.2M12 9.5c1.2.5 2 1.7 2.2 3.5" />
  </Svg>
);

export const AuditIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M3 2.5h7l3 3v8H3z" />
    <path d="M10 2.5v3h3M5.5 8.5h5M5.5 11h5" />
  </Svg>
);

export const OrgIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2.5 14V4.5L8 2l5.5 2.5V14" />
    <path d="M1.5 14h13M5.5 7h1M9.5 7h1M5.5 10h1M9.5 10h1" />
  </Svg>
);

export const UserIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="8" cy="5.5" r="2.6" />
    <path d="M3 14c.5-2.9 2.5-4.5 5-4.5s4.5 1.6 5 4.5" />
  </Svg>
);

export const SignOutIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M6.5 2.5H3v11h3.5M10 5l3 3-3 3M13 8H6" />
  </Svg>
);

export const SwitchUserIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2.5 5.5h9l-2.5-2.5M13.5 10.5h-9l2.5 2.5" />
  </Svg>
);

export const RefreshIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M13 3.5v3.2H9.8" />
    <path d="M12.7 6.6A5 5 0 103.4 10" />
  </Svg>
);

export const LogoMark = (p: IconProps) => (
  <Svg {...p}>
    <rect x="2" y="2" width="12" height="12" rx="1.5" />
    <path d="M5 5.5h6M5 8h6M5 10.5h6M8 5.5v5" />
  </Svg>
);

export const JobsIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2.5 4h7M2.5 8h5M2.5 12h7" />
    <path d="M11.5 6.5l2.5 1.5-2.5 1.5z" />
  </Svg>
);

export const UploadIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 10.5V2.5M4.8 5.5L8 2.5l3.2 3" />
    <path d="M2.5 10v3.5h11V10" />
  </Svg>
);

export const ClockIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="5.8" />
    <path d="M8 4.8V8l2.2 1.6" />
  </Svg>
);

/** A part-drawn circle: work in progress. */
export const RunningIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 2.2A5.8 5.8 0 1 1 2.2 8" />
    <path d="M6.8 5.8l3.4 2.2-3.4 2.2z" />
  </Svg>
);

export const FlagIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M3.5 14V2.5M3.5 3h8l-1.8 3 1.8 3h-8" />
  </Svg>
);

export const ChevronRightIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M6 4l4 4-4 4" />
  </Svg>
);

export const OutputsIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M4 1.8h5.2L12.5 5v9.2H4z" />
    <path d="M9 1.8V5.2h3.5M6 8h4.5M6 10.5h4.5" />
  </Svg>
);

export const SaveIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 2v8M4.8 7 8 10.2 11.2 7M3 13.5h10" />
  </Svg>
);

export const OpenIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M9.5 2.5h4v4M13.5 2.5 8 8M12 9.5v4H2.5V4H6.5" />
  </Svg>
);

export const SettingsIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="2.2" />
    <path d="M8 1.8v1.8M8 12.4v1.8M1.8 8h1.8M12.4 8h1.8M3.6 3.6l1.3 1.3M11.1 11.1l1.3 1.3M3.6 12.4l1.3-1.3M11.1 4.9l1.3-1.3" />
  </Svg>
);

export const CloudIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M4.5 12.5h7.2a2.8 2.8 0 0 0 .3-5.6A4 4 0 0 0 4.3 7a2.8 2.8 0 0 0 .2 5.5z" />
  </Svg>
);

export const FolderIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M1.8 4.2h4.4l1.4 1.6h6.6v7.4H1.8z" />
  </Svg>
);
