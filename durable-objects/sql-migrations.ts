// Numbered schema steps for a Durable Object's SQLite storage, run in blockConcurrencyWhile.
export function migrateSqlStorage(storage: DurableObjectStorage, steps: string[][]): void {
  const sql = storage.sql;
  sql.exec(`CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)`);
  const row = sql.exec<{ version: number }>(`SELECT version FROM _schema`).toArray()[0];
  const current = row?.version ?? 0;
  if (current >= steps.length) return;
  storage.transactionSync(() => {
    for (let version = current; version < steps.length; version++) {
      for (const statement of steps[version]!) sql.exec(statement);
    }
    if (row) sql.exec(`UPDATE _schema SET version = ?`, steps.length);
    else sql.exec(`INSERT INTO _schema (version) VALUES (?)`, steps.length);
  });
}
