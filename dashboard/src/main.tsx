import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <main>
      <h1>Cells</h1>
      <p>
        <a href="/graphiql">GraphiQL</a>
      </p>
    </main>
  </StrictMode>,
);
