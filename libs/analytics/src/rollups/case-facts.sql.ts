/**
 * The definition of every case metric, in one query: one row of facts per case, computed from the raw tables.
 * The rollup refresh runs it for dirty cases; the raw computation (tests, benchmark baseline) runs it for every case
 * of a period. Parameters: $1 tenant id, $2 the hospital's time zone, $3 its currency.
 *
 * - cohort: the day the intake started (the case was created), in the hospital's time zone;
 * - funnel steps: the case has a `submit` / `accept` / `deliver` / `decline` event (the state machine's moves);
 * - turnaround: first `accept` to first `deliver`, in whole hours; on time: delivered by the case's due date;
 * - consult: a `consult_booked` conversion; procedure: a `procedure_scheduled` or `procedure_done` one. Its value is
 *   what was recorded (done wins over scheduled; several add up), in the hospital's currency; a procedure with no
 *   recorded value is counted as unvalued and priced later from the per-specialty estimate;
 * - outcome: the latest signed version of the opinion;
 * - money: what patients paid for the opinion net of refunds, what funds covered (captured payments), the add-ons of
 *   the accepted quote when something was captured (add-ons are the quote's last lines, one per add-on chosen), paid
 *   extras after delivery net of refunds, and the stipend the ledger accrued for the case (in the hospital's currency);
 * - contribution: gross captured and refunded opinion payments, the platform's fee on what stays captured, the
 *   number of captured payments (payment fees are estimated from them), recorded consult values; appointment
 *   requests after the opinion (referral tasks) and whether one was booked;
 * - physician: the assigned physician's staff account (cases.assigned_physician_id);
 * - campaign: the case's own tags, else the last campaign-tagged visit of its visitor before the intake started.
 */
export const MEASURE_COLUMNS = [
  'started',
  'submitted',
  'accepted',
  'declined',
  'delivered',
  'with_due',
  'on_time',
  'consults',
  'procedures',
  'procedures_unvalued',
  'procedure_value_minor',
  'opinions',
  'diagnosis_confirmed',
  'diagnosis_refined',
  'diagnosis_changed',
  'treatment_changed',
  'paid_minor',
  'funded_minor',
  'add_ons_minor',
  'extras_minor',
  'stipends_minor',
  'check_in_30_answered',
  'check_in_30_acted',
  'check_in_30_partly',
  'check_in_90_answered',
  'check_in_90_acted',
  'check_in_90_partly',
  'satisfaction_sum',
  'satisfaction_n',
  'captured_minor',
  'refunded_minor',
  'platform_fee_minor',
  'captured_payments',
  'consult_value_minor',
  'converted',
  'requests',
  'requests_booked',
] as const;
export type Measure = (typeof MEASURE_COLUMNS)[number];

export const NONE_ID = '00000000-0000-0000-0000-000000000000';

/** `cases` must be a FROM fragment that yields the cases to compute as `c`. Measures come in MEASURE_COLUMNS order. */
export function caseFactsSelect(cases: string): string {
  return `
  SELECT c.tenant_id, c.id AS case_id,
         (c.created_at AT TIME ZONE $2)::date AS started_on,
         coalesce(o.specialty_id, '${NONE_ID}'::uuid) AS specialty_id,
         coalesce(c.assigned_physician_id, '${NONE_ID}'::uuid) AS physician_id,
         coalesce(nullif(analytics_campaign_key(c.campaign->>'utm_source', c.campaign->>'utm_medium', c.campaign->>'utm_campaign'), ''), vi.campaign, '') AS campaign,
         coalesce(c.jurisdiction_class, '') AS jurisdiction_class,
         coalesce(c.jurisdiction, '') AS jurisdiction,
         CASE WHEN ev.delivered_at IS NOT NULL AND ev.accepted_at IS NOT NULL
              THEN floor(extract(epoch FROM ev.delivered_at - ev.accepted_at) / 3600)::int END AS turnaround_hours,
         1 AS started,
         (ev.submitted_at IS NOT NULL)::int AS submitted,
         (ev.accepted_at IS NOT NULL)::int AS accepted,
         ev.declined::int AS declined,
         (ev.delivered_at IS NOT NULL)::int AS delivered,
         (ev.delivered_at IS NOT NULL AND c.due_at IS NOT NULL)::int AS with_due,
         coalesce(ev.delivered_at <= c.due_at, false)::int AS on_time,
         coalesce(cv.consult, false)::int AS consults,
         coalesce(cv.procedure, false)::int AS procedures,
         (coalesce(cv.procedure, false) AND cv.value_minor IS NULL)::int AS procedures_unvalued,
         coalesce(cv.value_minor, 0) AS procedure_value_minor,
         (op.diagnosis_agreement IS NOT NULL)::int AS opinions,
         coalesce(op.diagnosis_agreement = 'confirmed', false)::int AS diagnosis_confirmed,
         coalesce(op.diagnosis_agreement = 'refined', false)::int AS diagnosis_refined,
         coalesce(op.diagnosis_agreement = 'changed', false)::int AS diagnosis_changed,
         coalesce(op.treatment_changed, false)::int AS treatment_changed,
         coalesce(pay.paid_minor, 0) AS paid_minor,
         coalesce(pay.funded_minor, 0) AS funded_minor,
         CASE WHEN coalesce(pay.captured, false) AND jsonb_typeof(c.quote->'lines') = 'array' THEN
           (SELECT coalesce(sum((l.line->>'amount')::bigint), 0) FROM jsonb_array_elements(c.quote->'lines') WITH ORDINALITY AS l (line, i)
             WHERE l.i > jsonb_array_length(c.quote->'lines') - cardinality(c.add_on_ids))
         ELSE 0 END AS add_ons_minor,
         coalesce(pay.extras_minor, 0) AS extras_minor,
         coalesce(st.stipends_minor, 0) AS stipends_minor,
         coalesce(ci.a30, 0) AS check_in_30_answered, coalesce(ci.y30, 0) AS check_in_30_acted, coalesce(ci.p30, 0) AS check_in_30_partly,
         coalesce(ci.a90, 0) AS check_in_90_answered, coalesce(ci.y90, 0) AS check_in_90_acted, coalesce(ci.p90, 0) AS check_in_90_partly,
         coalesce(ci.satisfaction_sum, 0) AS satisfaction_sum, coalesce(ci.satisfaction_n, 0) AS satisfaction_n,
         coalesce(pay.captured_minor, 0) AS captured_minor,
         coalesce(pay.refunded_minor, 0) AS refunded_minor,
         coalesce(pay.platform_fee_minor, 0) AS platform_fee_minor,
         coalesce(pay.captured_payments, 0) AS captured_payments,
         coalesce(cv.consult_value_minor, 0) AS consult_value_minor,
         coalesce(cv.consult OR cv.procedure, false)::int AS converted,
         coalesce(rq.requests, 0) AS requests,
         coalesce(rq.booked, 0) AS requests_booked
    FROM ${cases}
    LEFT JOIN offerings o ON o.tenant_id = c.tenant_id AND o.id = c.offering_id
    CROSS JOIN LATERAL (
      SELECT min(e.occurred_at) FILTER (WHERE e.type = 'submit') AS submitted_at,
             min(e.occurred_at) FILTER (WHERE e.type = 'accept') AS accepted_at,
             min(e.occurred_at) FILTER (WHERE e.type = 'deliver') AS delivered_at,
             coalesce(bool_or(e.type = 'decline'), false) AS declined
        FROM case_events e WHERE e.tenant_id = c.tenant_id AND e.case_id = c.id) ev
    LEFT JOIN LATERAL (
      SELECT p.diagnosis_agreement, p.treatment_changed FROM opinions p
       WHERE p.tenant_id = c.tenant_id AND p.case_id = c.id AND p.status = 'signed' ORDER BY p.version DESC LIMIT 1) op ON true
    LEFT JOIN LATERAL (
      SELECT bool_or(k.kind = 'consult_booked') AS consult,
             bool_or(k.kind IN ('procedure_scheduled', 'procedure_done')) AS procedure,
             coalesce(sum(k.value_minor) FILTER (WHERE k.kind = 'procedure_done' AND k.currency = $3),
                      sum(k.value_minor) FILTER (WHERE k.kind = 'procedure_scheduled' AND k.currency = $3))::bigint AS value_minor,
             sum(k.value_minor) FILTER (WHERE k.kind = 'consult_booked' AND k.currency = $3)::bigint AS consult_value_minor
        FROM conversions k WHERE k.tenant_id = c.tenant_id AND k.case_id = c.id) cv ON true
    LEFT JOIN LATERAL (
      SELECT coalesce(sum(p.captured_minor - p.refunded_minor) FILTER (WHERE p.purpose = 'opinion'), 0)::bigint AS paid_minor,
             coalesce(sum(p.funded_minor) FILTER (WHERE p.purpose = 'opinion' AND p.captured_at IS NOT NULL), 0)::bigint AS funded_minor,
             coalesce(bool_or(p.captured_at IS NOT NULL) FILTER (WHERE p.purpose = 'opinion'), false) AS captured,
             coalesce(sum(p.captured_minor - p.refunded_minor) FILTER (WHERE p.purpose = 'extra'), 0)::bigint AS extras_minor,
             coalesce(sum(p.captured_minor) FILTER (WHERE p.purpose = 'opinion'), 0)::bigint AS captured_minor,
             coalesce(sum(p.refunded_minor) FILTER (WHERE p.purpose = 'opinion'), 0)::bigint AS refunded_minor,
             -- The platform keeps its fee on what stays captured (a refund returns the fee pro rata), as billing reports it.
             coalesce(sum(CASE WHEN p.captured_minor > 0 THEN round(p.application_fee_minor::numeric * (p.captured_minor - p.refunded_minor) / p.captured_minor) ELSE 0 END)
                      FILTER (WHERE p.purpose = 'opinion'), 0)::bigint AS platform_fee_minor,
             count(*) FILTER (WHERE p.purpose = 'opinion' AND p.captured_minor > 0)::int AS captured_payments
        FROM payments p WHERE p.tenant_id = c.tenant_id AND p.case_id = c.id) pay ON true
    LEFT JOIN LATERAL (
      SELECT sum(s.amount_minor)::bigint AS stipends_minor FROM stipend_entries s
       WHERE s.tenant_id = c.tenant_id AND s.case_id = c.id AND s.currency = $3) st ON true
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE k.day = 30 AND k.acted_on_advice IS NOT NULL)::int AS a30,
             count(*) FILTER (WHERE k.day = 30 AND k.acted_on_advice = 'yes')::int AS y30,
             count(*) FILTER (WHERE k.day = 30 AND k.acted_on_advice = 'partly')::int AS p30,
             count(*) FILTER (WHERE k.day = 90 AND k.acted_on_advice IS NOT NULL)::int AS a90,
             count(*) FILTER (WHERE k.day = 90 AND k.acted_on_advice = 'yes')::int AS y90,
             count(*) FILTER (WHERE k.day = 90 AND k.acted_on_advice = 'partly')::int AS p90,
             coalesce(sum(k.satisfaction), 0)::int AS satisfaction_sum,
             count(k.satisfaction)::int AS satisfaction_n
        FROM case_check_ins k WHERE k.tenant_id = c.tenant_id AND k.case_id = c.id) ci ON true
    LEFT JOIN LATERAL (
      SELECT analytics_campaign_key(v.utm_source, v.utm_medium, v.utm_campaign) AS campaign FROM visits v
       WHERE v.tenant_id = c.tenant_id AND v.visitor_id = c.visitor_id AND v.landed_at <= c.created_at
         AND coalesce(v.utm_source, v.utm_medium, v.utm_campaign) IS NOT NULL
       ORDER BY v.landed_at DESC LIMIT 1) vi ON true
    LEFT JOIN LATERAL (
      SELECT 1 AS requests, bool_or(r.state = 'booked')::int AS booked FROM referral_tasks r
       WHERE r.tenant_id = c.tenant_id AND r.case_id = c.id HAVING count(*) > 0) rq ON true`;
}
