-- The customer-service scheme (fixtures/schemes/customer_service.toml,
-- without its [pay]) by hand in SQL: monthly sums, ratios of sums, bands,
-- the per-unit response rule, the weighted total rounded to 2 places, and
-- no score above 20 absent days. A missing ratio scores 0 (missing = "zero").
-- Run in the workload folder (inputs in data/); `{daily}` is the daily
-- rows' file or, partitioned, `data/employee_daily/**/*.parquet`.
COPY (
    WITH sums AS (
        SELECT employee_id, strftime(date, '%Y-%m') AS period,
               sum(inquiries) AS i, sum(order_buyers) AS ob, sum(paid_buyers) AS pb,
               sum(cs_sales) AS sales, sum(responses) AS r, sum(response_seconds) AS rs
        FROM read_parquet('{daily}')
        GROUP BY ALL
    ), rates AS (
        SELECT employee_id, period,
               CASE WHEN i > 0 THEN ob / i END AS conv,
               CASE WHEN ob > 0 THEN pb / ob END AS pay,
               CASE WHEN pb > 0 THEN sales / pb END AS aov,
               CASE WHEN r > 0 THEN rs / r END AS resp
        FROM sums
    ), points AS (
        SELECT employee_id, period,
               CASE WHEN conv >= 0.5 THEN 100 WHEN conv >= 0.3 THEN 90 WHEN conv >= 0.2 THEN 80 ELSE 0 END AS p1,
               CASE WHEN pay >= 0.9 THEN 100 WHEN pay >= 0.8 THEN 90 WHEN pay >= 0.6 THEN 80 ELSE 0 END AS p2,
               CASE WHEN aov >= 120 THEN 100 WHEN aov >= 80 THEN 90 WHEN aov >= 50 THEN 80 ELSE 0 END AS p3,
               CASE WHEN resp IS NULL THEN 0 ELSE greatest(0, least(100, 100 - 2 * greatest(0, resp - 32))) END AS p4
        FROM rates
    )
    SELECT p.employee_id, p.period,
           CASE WHEN a.absent_days > 20 THEN NULL
                ELSE round((35 * p1 + 25 * p2 + 20 * p3 + 20 * p4) / 100, 2) END AS total_score
    FROM points p
    LEFT JOIN read_csv('data/attendance.csv') a USING (employee_id, period)
    ORDER BY p.employee_id, p.period
) TO 'duckdb_scores.csv' (HEADER);
