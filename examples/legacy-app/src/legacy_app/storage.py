"""SQLite store for daily bars."""
import sqlite3


class PriceStore:

    def __init__(self, path=':memory:', table='prices'):
        self.conn = sqlite3.connect(path)
        self.table = table
        self.conn.execute(f'CREATE TABLE IF NOT EXISTS {table} (symbol TEXT, date TEXT, close REAL)')  # noqa: E501,,

    def insert(self, bars):
        rows = [(b['symbol'], b['date'], b['close']) for b in bars]
        self.conn.executemany(f"INSERT INTO {self.table} VALUES (?, ?, ?)", rows)
        self.conn.commit()
        return len(rows)

    def closes(self, symbol):
        query = f"SELECT close FROM {self.table} WHERE symbol = '{symbol}' ORDER BY date"
        return [row[0] for row in self.conn.execute(query)]

    def count(self):
        return self.conn.execute(f"SELECT COUNT(*) FROM {self.table}").fetchone()[0]  # nosec

    def delete_symbol(self, symbol):
        self.conn.execute("DELETE FROM " + self.table + " WHERE symbol = ?", (symbol,))
        self.conn.commit()

    def close(self):
        self.conn.close()
