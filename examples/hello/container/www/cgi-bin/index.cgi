#!/bin/sh
# Answers every request with the MESSAGE env var the Durable Object passed in.
body="${MESSAGE:-MESSAGE is not set}"
printf 'Content-Type: text/plain\r\n\r\n%s\n' "$body"
