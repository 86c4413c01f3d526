// The merchant analytics' figures as GET /v1/api/analytics sends them (workers/merchant/analytics.ts
// states what each counts): written by postgres/analytics.ts, read by the dashboard's analytics
// screen. No imports: the dashboard's bundle takes this file as it is.

export interface AnalyticsWindow {
  /** First day, "YYYY-MM-DD" (UTC), included. */
  from: string;
  /** Last day, "YYYY-MM-DD" (UTC), included. */
  to: string;
}

export interface DailyFigures {
  date: string;
  new_members: number;
  issued: number;
  redeemed: number;
  expired: number;
  reversed: number;
}

export interface RepeatGroup {
  customers: number;
  repeat_customers: number;
  /** repeat_customers / customers, 4 decimals; null with no customers. */
  rate: number | null;
}

export interface ReferralRoi {
  referrals_completed: number;
  /** Shop's money, "123.45". */
  revenue: string;
  reward_cost: string;
  points_given: number;
  discounts_given: number;
  /** revenue / reward_cost to two decimals; null when the cost is 0. */
  ratio: number | null;
}

export interface AnalyticsFacts {
  members: { total: number; new: number };
  points: { issued: number; redeemed: number; expired: number; reversed: number };
  daily: DailyFigures[];
  /** Points held by (unredacted) customers at the end of the window's last day. */
  outstanding_points: number;
  repeat_purchase: { members: RepeatGroup; non_members: RepeatGroup };
  /** Customers by the tier they hold now (null: none). */
  tiers: { tier_id: string | null; customers: number }[];
  referral_roi: ReferralRoi;
}
