/** Where the tests find PostgreSQL and RabbitMQ; never the default deployment's databases. */
export const testServices = {
  pgUrl: process.env.CELLS_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  amqpUrl: process.env.CELLS_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  rabbitmqctl: process.env.CELLS_RABBITMQCTL ?? 'rabbitmqctl',
};

/** Prefix of every throw-away database and vhost; the pid lets a later run drop leftovers. */
export const TEST_PREFIX = 'cells_t_';
