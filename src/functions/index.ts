// Entry point of the Functions app (package.json "main"): each module registers its functions.
import "./migration";
import "./control";
import "./checkAccess";
import "./verification";
import "./status";
